"""Carriers (Träger): public and independent organisations doing the work."""
