"""Area levels and areas: the tenant's social-space geography."""
