"""Key figures: one value per (metric, area, period), entered, imported and approved."""
