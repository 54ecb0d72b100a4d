"""Profiling: evidence about the data, computed inside the source database (push-down)."""
