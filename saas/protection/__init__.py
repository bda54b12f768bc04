"""Disclosure control over everything a tenant's users can obtain (issue 11 §1).

* :mod:`saas.protection.cube` — the protected cube of one year: cells, primary and secondary
  suppression, the reader's feasible interval by linear programming (pure, no database);
* :mod:`saas.protection.families` — which counts each indicator gives away (derived from the
  metric catalogue);
* :mod:`saas.protection.service` — the current tenant's cube from its figures, cached, with
  earlier publications fed in; :func:`~saas.protection.service.protect_counts` for outputs
  that sum areas into groups of their own (the impact pages).

The threshold is the tenant's setting ``disclosure_threshold`` (default and minimum 3),
:func:`saas.core.disclosure.tenant_threshold`. See docs/statistics.md, "Geheimhaltung".
"""
