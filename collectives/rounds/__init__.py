"""Funding rounds and their phases."""
