"""Connections: a champion connects a pseudonymous person to an activity; the partner records whether they came."""
