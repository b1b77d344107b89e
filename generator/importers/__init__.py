"""Importers: write spec/ YAML from official definitions (tccli) or API doc pages."""
