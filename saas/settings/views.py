"""The tenant's own words for offices and areas, and its default language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from saas.core.db import db
from saas.core.fields import as_choices
from saas.core.forms import Form
from saas.core.permissions import require

bp = Blueprint(
    "settings", __name__, url_prefix="/<tenant_slug>/settings", template_folder="templates"
)

VOCABULARY_KEYS = ("office", "offices", "area", "areas")


class SettingsForm(Form):
    name = StringField(_l("Name of the municipality"), validators=[DataRequired(), Length(max=200)])
    default_locale = SelectField(
        _l("Default language"), choices=as_choices([("de", "Deutsch"), ("en", "English")])
    )
    office = StringField(_l("Word for one office"), validators=[DataRequired(), Length(max=60)])
    offices = StringField(
        _l("Word for several offices"), validators=[DataRequired(), Length(max=60)]
    )
    area = StringField(_l("Word for one area"), validators=[DataRequired(), Length(max=60)])
    areas = StringField(_l("Word for several areas"), validators=[DataRequired(), Length(max=60)])


@bp.route("/", methods=["GET", "POST"])
@require("config.manage")
def index() -> Any:
    tenant = g.tenant
    form = SettingsForm(
        data={
            "name": tenant.name,
            "default_locale": tenant.default_locale,
            **{key: tenant.word(key) for key in VOCABULARY_KEYS},
        }
    )
    if form.validate_on_submit():
        tenant.name = form.name.data
        tenant.default_locale = form.default_locale.data
        tenant.vocabulary = {
            **(tenant.vocabulary or {}),
            **{key: form[key].data.strip() for key in VOCABULARY_KEYS},
        }
        db.session.commit()
        flash(_("Your changes were saved."), "success")
        return redirect(url_for("settings.index"))
    return render_template("settings/index.html", form=form), 400 if form.is_submitted() else 200
