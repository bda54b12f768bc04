"""The tenant's public start page."""
