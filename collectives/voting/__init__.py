"""Approval ballots and quorum."""
