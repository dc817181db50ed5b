"""Partner registry: the community groups the network works with."""
