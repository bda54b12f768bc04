"""Reports aggregate the whole municipality: a membership limited to an office may not run them.

The demo staff member of Marl is limited to the first office (see ``saas/demo.py``).
"""

from __future__ import annotations

from tests.reports.conftest import shared

HZE = "entwicklung-hze"
PARAMS = "&from=2015&to=2024&level=stadtteil"


def test_scoped_staff_cannot_run_or_download_a_report(auth, client):
    template = shared(HZE)
    auth("staff", "marl")
    assert client.get(f"/marl/reports/run?template={template.id}{PARAMS}").status_code == 403
    url = f"/marl/reports/run/export.csv?template={template.id}{PARAMS}"
    assert client.get(url).status_code == 403


def test_unscoped_viewer_runs_the_same_report(auth, client):
    template = shared(HZE)
    auth("viewer", "marl")
    assert client.get(f"/marl/reports/run?template={template.id}{PARAMS}").status_code == 200
