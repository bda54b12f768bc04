"""Platform administration: municipalities, onboarding, shared catalogues."""
