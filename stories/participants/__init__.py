"""Pseudonymous participants."""
