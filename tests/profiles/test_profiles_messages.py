"""Profile messages follow the language of the request: German first, English on English
pages; control characters are refused in every text of a profile."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from saas.profiles.loader import ProfileError, load_profile_files

TENANT = (
    'profile_version: "1"\nslug: probe\nname: "{name}"\ndefault_locale: de\nfarbe: rot\n'
    "vocabulary: {{office: Büro, offices: Büros, area: Gebiet, areas: Gebiete}}\n"
)
OFFICES = (
    'offices:\n  - code: "a"\n    name: A\n    opening_hours: "Mo 9-12\\nDi 9-12"\n'
    '    areas: ["nope"]\n'
)


def issues(name: str = "Probe", **files: str) -> list[str]:
    with pytest.raises(ProfileError) as error:
        load_profile_files({"tenant.yaml": TENANT.format(name=name), **files}, origin="upload")
    return [str(issue) for issue in error.value.issues]


def test_german_by_default_english_on_english_pages(messages_app: Flask) -> None:
    german = issues(**{"offices.yaml": OFFICES})
    assert 'tenant.yaml:5: farbe: unbekannter Schlüssel "farbe"' in german[0]
    assert any('offices[0].areas[0]: unbekannter Gebietscode "nope"' in i for i in german)
    with force_locale("en"):
        english = issues(**{"offices.yaml": OFFICES})
    assert 'tenant.yaml:5: farbe: unknown key "farbe"' in english[0]
    assert any('offices[0].areas[0]: unknown area code "nope"' in i for i in english)


@pytest.mark.parametrize("name", ["Stadt\\rX", "Stadt\\nX", "Tab\\tX", "Nul\\0X", "Sep\\u2028X"])
def test_control_characters_are_refused_in_single_line_text(name: str) -> None:
    found = [i for i in issues(name) if "tenant.yaml:3: name:" in i]
    assert found and "Steuerzeichen" in found[0], issues(name)


def test_codes_cannot_end_in_a_line_break() -> None:
    offices = 'offices:\n  - code: "a\\n"\n    name: A\n'
    assert any(
        'offices[0].code: ungültiger Code "a\n"' in i for i in issues(**{"offices.yaml": offices})
    )


def test_the_import_report_reads_in_the_page_language() -> None:
    from saas.profiles.importer import Change, ImportReport

    report = ImportReport("probe", "1", changes=[Change("create", "office", "a", "A")])
    assert report.lines() == [
        "Mandant probe, Profilversion 1:",
        '+ Büro a ("A") angelegt',
        "1 angelegt, 0 geändert, 0 entfernt",
    ]
    with force_locale("en"):
        assert report.lines()[1:] == ['+ office a ("A") created', "1 created, 0 changed, 0 removed"]
