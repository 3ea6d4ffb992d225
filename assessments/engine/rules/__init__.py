"""Built-in rule implementations, one module per family (registered by catalog rule id)."""
