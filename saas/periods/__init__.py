"""Period workflow: draft → submitted → approved (→ reopened), per area or per office."""
