"""Allocation rules, sealed decisions and amendments."""
