"""Cross-city comparison rings with statistical disclosure control."""
