"""Impact analysis of the offices (difference-in-differences)."""
