"""Principles / goals the work is tagged with (Hinte's five by default)."""
