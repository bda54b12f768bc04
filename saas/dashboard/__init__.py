"""The tenant's internal start page."""
