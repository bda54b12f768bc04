"""Every input of every form says what to enter (a short help text under the field), in the
tenant's own words where it names offices or areas."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SubmitField

from saas.core.tenancy import tenant_scope
from tests.conftest import login, tenant
from tests.core.test_forms import all_form_classes

#: forms still without their texts (strict: a text added there turns the expected failure
#: into a failure that asks for the entry to go)
NOT_YET: dict[str, str] = {}


def visible_fields(form: FlaskForm) -> list[Field]:
    """The fields a person fills in: not the CSRF token, hidden fields or buttons."""
    return [
        field
        for field in form
        if field.type != "CSRFTokenField" and not isinstance(field, HiddenField | SubmitField)
    ]


def cases() -> list[Any]:
    return [
        pytest.param(
            cls,
            id=cls.__name__,
            marks=[pytest.mark.xfail(reason=NOT_YET[cls.__name__], strict=True)]
            if cls.__name__ in NOT_YET
            else [],
        )
        for cls in all_form_classes()
    ]


@pytest.mark.parametrize("form_class", cases())
def test_every_visible_field_has_a_help_text(app: Flask, form_class: Any) -> None:
    with app.test_request_context(), tenant_scope(tenant("marl")):
        form = form_class(formdata=None, meta={"csrf": False})
        fields = visible_fields(form)
        assert fields, f"{form_class.__name__} has no visible field"
        for locale in ("de", "en"):
            with force_locale(locale):
                missing = [f.name for f in fields if not str(f.description or "").strip()]
                assert not missing, f"{form_class.__name__} ({locale}): no help text for {missing}"
                same = [f.name for f in fields if str(f.description) == str(f.label.text)]
                assert not same, f"{form_class.__name__}: help text repeats the label: {same}"


def test_the_walk_covers_the_forms_of_every_area() -> None:
    modules = {cls.__module__ for cls in all_form_classes()}
    assert {
        "saas.activities.forms",
        "saas.members.forms",
        "saas.metrics.forms",
        "saas.settings.views",
        "saas.public.admin",
        "saas.impact.forms",
    } <= modules


def test_help_texts_are_german_on_german_pages(app: Flask) -> None:
    from saas.metrics.forms import MetricForm

    with app.test_request_context(), force_locale("de"):
        form = MetricForm(formdata=None, meta={"csrf": False})
        assert "Großbuchstaben" in str(form.code.description)


@pytest.mark.parametrize(
    ("slug", "offices", "areas"),
    [("marl", "Stadtteilbüros", "Stadtteile"), ("hamm", "Stadtteilzentren", "Sozialräume")],
)
def test_the_member_form_speaks_the_tenant_s_words(
    app: Flask, slug: str, offices: str, areas: str
) -> None:
    client = app.test_client()
    assert login(client, f"admin@{slug}.example", slug).status_code == 302
    html = client.get(f"/{slug}/members/invite").get_data(as_text=True)
    label = html.split('for="office_ids"')[1].split("</label>")[0]
    assert offices in label
    label = html.split('for="area_ids"')[1].split("</label>")[0]
    assert areas in label
    hint = html.split('id="area_ids-hint"')[1].split("</p>")[0]
    assert areas in hint
    assert "Büros" not in html.replace("Stadtteilbüros", "")  # no generic word left


def test_the_help_text_stands_under_the_field_and_is_linked(app: Flask) -> None:
    client = app.test_client()
    assert login(client, "staff@marl.example").status_code == 302
    html = client.get("/marl/activities/new").get_data(as_text=True)
    # an age band: the input points at its hint, which follows it
    field = html.split('id="p_0_5"')[0].rsplit("<input", 1)[1] + html.split('id="p_0_5"')[1]
    assert 'aria-describedby="p_0_5-hint"' in field.split(">")[0]
    assert html.index('id="p_0_5-hint"') > html.index('id="p_0_5"')
    # the office select says which office, in Marl's word
    hint = html.split('id="office_id-hint"')[1].split("</p>")[0]
    assert "Stadtteilbüro" in hint
    # the checkbox groups (principles, partner carriers) show theirs too
    assert 'id="principle_ids-hint"' in html and 'id="carrier_ids-hint"' in html


def test_tenant_words_in_help_texts_are_escaped(app: Flask) -> None:
    from saas.core.db import db
    from saas.members.forms import InviteForm

    marl = tenant("marl")
    with app.test_request_context(), tenant_scope(marl):
        from flask import g

        g.tenant = marl
        marl.vocabulary = {**(marl.vocabulary or {}), "areas": "<b>Gebiete</b>"}
        form = InviteForm(formdata=None, meta={"csrf": False})
        html = form.area_ids.description.__html__()
        assert "<b>" not in html and "&lt;b&gt;Gebiete" in html
        db.session.rollback()
