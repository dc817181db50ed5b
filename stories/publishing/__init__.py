"""Stories, consent and publication."""
