"""tcapi's code generator: spec/ (YAML) → generated/ (Python). Run ``python -m generator``."""
