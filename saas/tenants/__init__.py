"""Tenants (municipalities) on the platform level."""
