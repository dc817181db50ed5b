"""Locality collectives decide funding: funds, rounds, applications, voting, allocation, ledger."""
