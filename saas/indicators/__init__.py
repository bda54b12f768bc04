"""The indicator engine: one implementation of every computed figure."""
