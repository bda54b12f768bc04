"""Teams and staff members of the social-space work (staff records, not user accounts)."""
