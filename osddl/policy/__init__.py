"""The tightening policy: (model, profile, options) → decisions. Pure; no I/O."""
