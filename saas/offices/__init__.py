"""Offices: the neighbourhood offices (Stadtteilbüro / Sozialraumbüro / Stadtteilzentrum)."""
