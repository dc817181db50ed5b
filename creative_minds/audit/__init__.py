"""The audit trail: who read, changed, exported or erased special-category data, when and from where."""
