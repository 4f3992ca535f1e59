"""Closed forms of the sources, derived with SymPy. Imports nothing from ``numerics``."""
