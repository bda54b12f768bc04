"""Site-wide endpoints: health check, language switch, root page."""
