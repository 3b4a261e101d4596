"""Prefect flows: orchestration over the `archive` library, nothing else."""
