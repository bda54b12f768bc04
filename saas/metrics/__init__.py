"""The metric catalogue shared by all tenants (plus tenant-local metrics)."""
