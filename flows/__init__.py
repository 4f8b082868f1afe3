"""Prefect flows: thin wiring over lofte_pipeline; no business logic lives here."""
