"""services of the assessments app."""
