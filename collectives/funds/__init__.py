"""Funds, locality shares and the ledger."""
