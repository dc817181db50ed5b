"""Applications for match funding and the eligibility check."""
