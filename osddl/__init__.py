"""osddl: OutSystems data model → SSDT project and QA → UAT data export, with proofs."""

__version__ = "0.1.0"
