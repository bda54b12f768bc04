"""Reports: shared templates run on a tenant's data, exports, published snapshots."""
