"""The demo: three real tenant profiles, their accounts and synthetic figures (SPEC §6).

Not part of the runtime: only ``flask demo``, the tests and ``bench/`` load it.
"""

from saas.demo.tenants import load_demo

__all__ = ["load_demo"]
