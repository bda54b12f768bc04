"""Tenant settings: vocabulary and default language."""
