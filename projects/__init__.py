"""Projects: the activities partners run and ask Creative Minds to match-fund."""
