"""Every text field of every form refuses control characters, with a translated message."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

import saas
from saas.core.db import db
from saas.core.tenancy import tenant_scope
from saas.offices.models import Office
from tests.conftest import csrf_token, tenant


def all_form_classes() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(saas.__path__, "saas."):
        importlib.import_module(module.name)
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("saas.") and cls.__module__ != "saas.core.forms":
            found.append(cls)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def build(form_class: Any, data: MultiDict[str, str]) -> FlaskForm:
    """The form on ``data``, its selects given empty choices (views set them per request)."""
    form = form_class(formdata=data, meta={"csrf": False})
    for field in form:
        if getattr(field, "choices", []) is None:
            field.choices = []
    return form


def text_fields(form: FlaskForm) -> tuple[list[str], list[str]]:
    """(single-line, multi-line) text fields of a form."""
    single, multi = [], []
    for name, field in form._fields.items():
        if isinstance(field, PasswordField | HiddenField) or not isinstance(field, StringField):
            continue
        (multi if isinstance(field, TextAreaField) else single).append(name)
    return single, multi


FORMS = all_form_classes()


def test_the_walk_finds_the_forms() -> None:
    names = {c.__name__ for c in FORMS}
    assert {"OfficeForm", "SettingsForm", "TemplateForm", "CostsForm", "LoginForm"} <= names
    assert len(FORMS) >= 25


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_every_text_field_refuses_control_characters(app: Flask, form_class: Any) -> None:
    with app.test_request_context(method="POST"), tenant_scope(tenant("marl")):
        probe = form_class(formdata=None, meta={"csrf": False})
        single, multi = text_fields(probe)
        if not single and not multi:
            pytest.skip(f"{form_class.__name__} has no text field")  # shown, not hidden
        data = MultiDict({name: "x\ry" for name in single})
        data.update({name: "a\r\nb\x0bc" for name in multi})
        with force_locale("en"):
            form = build(form_class, data)
            assert not form.validate()
        for name in single:
            assert any("U+000D" in str(e) for e in form[name].errors), (name, form[name].errors)
            assert any("not allowed" in str(e) for e in form[name].errors)
        for name in multi:
            assert any("U+000B" in str(e) for e in form[name].errors), (name, form[name].errors)
        fine = build(
            form_class,
            MultiDict({**{n: "x y" for n in single}, **{n: "a\r\nb\nc" for n in multi}}),
        )
        fine.validate()
        for name in [*single, *multi]:
            assert not any("U+" in str(e) for e in fine[name].errors), (name, fine[name].errors)


def test_a_cr_in_a_name_is_refused_in_german_and_nothing_is_saved(auth: Any, client: Any) -> None:
    auth("admin", "marl")
    token = csrf_token(client, "/marl/offices/new")
    response = client.post(
        "/marl/offices/new",
        data={"csrf_token": token, "code": "neu", "name": "Büro\rNeu", "opened_on": "2024-01-15"},
    )
    assert response.status_code == 400
    assert "Steuerzeichen" in response.get_data(as_text=True)
    with tenant_scope(tenant("marl")):
        assert db.session.execute(select(Office).where(Office.code == "neu")).first() is None


def test_the_tenant_vocabulary_refuses_control_characters(auth: Any, client: Any) -> None:
    auth("admin", "marl")
    token = csrf_token(client, "/marl/settings/")
    words = {"office": "Büro", "offices": "Büros", "area": "Gebiet", "areas": "Gebiete"}
    response = client.post(
        "/marl/settings/",
        data={
            "csrf_token": token,
            "name": "Stadt Marl",
            "default_locale": "de",
            **words,
            "offices": "Bü\tros",
        },
    )
    assert response.status_code == 400 and "Steuerzeichen" in response.get_data(as_text=True)
    assert tenant("marl").word("offices") != "Bü\tros"


def test_text_areas_refuse_tabs_but_a_json_definition_may_be_indented_with_them(
    app: Flask,
) -> None:
    from saas.offices.forms import OfficeForm
    from saas.reports.forms import TemplateForm

    with app.test_request_context(method="POST"), tenant_scope(tenant("marl")):
        office = build(OfficeForm, MultiDict({"opening_hours": "Mo\t9-12"}))
        office.validate()
        assert any("U+0009" in str(e) for e in office.opening_hours.errors)
        template = build(TemplateForm, MultiDict({"definition": '{\n\t"sections": []\r\n}'}))
        template.validate()
        assert not any("U+" in str(e) for e in template.definition.errors)
        template = build(TemplateForm, MultiDict({"definition": '{"a": "\r"}'}))
        template.validate()
        assert any("U+000D" in str(e) for e in template.definition.errors)
