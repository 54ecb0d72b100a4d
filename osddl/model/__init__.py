"""The OutSystems data model: contract, JSON Schema, reading, writing, validation, types, names."""
