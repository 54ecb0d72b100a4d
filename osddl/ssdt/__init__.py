"""SSDT emission: typed table plans from model + decisions, rendered through Jinja templates."""
