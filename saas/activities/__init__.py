"""The activity log: what happened in the offices, anonymous and aggregated."""
