"""Tenant profiles: configuration as code in YAML folders (see ``tenants/README.md``).

- :func:`load_profile` / :func:`load_profile_files` read and validate a profile;
- :func:`apply_profile` creates or updates the tenant from it (idempotent, all-or-nothing);
- :func:`export_profile` writes the live configuration back in the same format.
"""

from saas.profiles.exporter import dump_profile, export_profile
from saas.profiles.importer import Change, ImportRefused, ImportReport, apply_profile
from saas.profiles.loader import (
    Issue,
    ProfileError,
    base_dir,
    load_base,
    load_profile,
    load_profile_files,
    template_dir,
)
from saas.profiles.schema import Profile

__all__ = [
    "Change",
    "ImportRefused",
    "ImportReport",
    "Issue",
    "Profile",
    "ProfileError",
    "apply_profile",
    "base_dir",
    "dump_profile",
    "export_profile",
    "load_base",
    "load_profile",
    "load_profile_files",
    "template_dir",
]
