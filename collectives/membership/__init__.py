"""Who belongs to each locality's collective."""
