"""selectors of the assessments app."""
