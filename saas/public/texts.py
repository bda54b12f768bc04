"""The legal pages every public body must publish: accessibility statement (BITV 2.0),
imprint and privacy notice, each with the feedback contact.

A tenant writes its own text in the settings (``public_accessibility``, ``public_imprint``,
``public_privacy``; paragraphs separated by blank lines). Until it does, a default built
from the tenant's name and settings is shown, so the pages are never empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from saas.public.hsds import STATES

#: the tenant settings holding the texts (declared in tenants/_base/settings.yaml)
TEXT_KEYS = {
    "accessibility": "public_accessibility",
    "imprint": "public_imprint",
    "privacy": "public_privacy",
}
CONTACT_KEYS = ("public_feedback_email", "public_feedback_phone", "public_postal_address")


@dataclass
class Section:
    heading: str
    paragraphs: list[str]


@dataclass
class LegalPage:
    kind: str
    title: str
    sections: list[Section]
    contact: dict[str, str] = field(default_factory=dict)
    own_text: bool = False


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def titles() -> dict[str, str]:
    return {
        "accessibility": _("Accessibility statement"),
        "imprint": _("Imprint"),
        "privacy": _("Privacy notice"),
    }


def contact(tenant: Any) -> dict[str, str]:
    settings = tenant.settings or {}
    return {key: str(settings[key]) for key in CONTACT_KEYS if settings.get(key)}


def page(kind: str, tenant: Any) -> LegalPage:
    """The page ``kind`` in the tenant's own text, or the default."""
    own = str((tenant.settings or {}).get(TEXT_KEYS[kind]) or "").strip()
    title = titles()[kind]
    sections = [Section("", _paragraphs(own))] if own else DEFAULTS[kind](tenant)
    return LegalPage(kind, title, sections, contact(tenant), bool(own))


def _accessibility(tenant: Any) -> list[Section]:
    state = STATES.get(str((tenant.settings or {}).get("state") or ""), "")
    name = tenant.name
    return [
        Section(
            "",
            [
                _(
                    "%(name)s endeavours to make its public pages accessible in accordance "
                    "with the accessibility regulations (BITV 2.0 and the law of the "
                    "federal state). This statement applies to the public directory of "
                    "%(offices)s and offerings and to its open data.",
                    name=name,
                    offices=tenant.word("offices"),
                )
            ],
        ),
        Section(
            _("Status of compliance"),
            [
                _(
                    "These pages are largely compliant with WCAG 2.1 level AA. Every public "
                    "page is checked automatically with axe-core in a browser; keyboard use, "
                    "visible focus, a skip link, zoom and narrow screens are tested."
                ),
                _(
                    "Not yet accessible: offering descriptions written by the %(offices)s "
                    "are not checked for plain language; there is no version in Leichte "
                    "Sprache or sign language yet.",
                    offices=tenant.word("offices"),
                ),
            ],
        ),
        Section(
            _("Preparation of this statement"),
            [
                _(
                    "The statement is based on a self-assessment (automatic tests and manual "
                    "checks) and is reviewed with every change of the pages."
                )
            ],
        ),
        Section(
            _("Feedback and contact"),
            [
                _(
                    "Have you noticed barriers, or do you need information in an accessible "
                    "form? Please tell us; we answer within two weeks."
                )
            ],
        ),
        Section(
            _("Enforcement procedure"),
            [
                _(
                    "If you receive no satisfactory answer, you can turn to the enforcement "
                    "or ombuds office for accessible information technology of the federal "
                    "state %(state)s.",
                    state=state or _("responsible for %(name)s", name=name),
                )
            ],
        ),
    ]


def _imprint(tenant: Any) -> list[Section]:
    return [
        Section(
            "",
            [
                _(
                    "Publisher: %(name)s, Jugendamt (youth welfare office). %(name)s is a "
                    "public-law corporation and is represented by its mayor or district "
                    "administrator.",
                    name=tenant.name,
                ),
                _(
                    "Responsible for the content: the management of the Jugendamt. The "
                    "%(offices)s and carriers are responsible for the descriptions of their "
                    "offerings.",
                    offices=tenant.word("offices"),
                ),
            ],
        )
    ]


def _privacy(tenant: Any) -> list[Section]:
    return [
        Section(
            "",
            [
                _(
                    "The public pages of %(name)s can be used without registering. They set "
                    "no tracking cookies and load nothing from other servers.",
                    name=tenant.name,
                ),
                _(
                    "When you open a page, the server processes technically necessary data "
                    "(IP address, time, page requested) to deliver the page and to protect "
                    "it against attacks (Art. 6 (1) (e) GDPR); log files are deleted after "
                    "a short period. The only cookie is a technically necessary session cookie "
                    "(for the language choice and the protection of forms)."
                ),
                _(
                    "The directory contains no personal data of families. It lists the "
                    "%(offices)s, their opening hours and their own contact details, and the "
                    "offerings.",
                    offices=tenant.word("offices"),
                ),
                _(
                    "You have the right to information, correction, erasure, restriction of "
                    "processing and objection, and to complain to the data protection "
                    "supervisory authority of the federal state."
                ),
            ],
        )
    ]


DEFAULTS = {"accessibility": _accessibility, "imprint": _imprint, "privacy": _privacy}
