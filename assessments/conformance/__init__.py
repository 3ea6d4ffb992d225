"""Designed vs allowed vs observed: mesh and network policy semantics over frozen dataclasses (no Django)."""
