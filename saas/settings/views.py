"""The tenant's own words for offices and areas, and its default language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from saas.core.crud import conflict_page
from saas.core.db import db
from saas.core.fields import as_choices
from saas.core.forms import VersionedForm
from saas.core.operations import Conflict
from saas.core.permissions import require
from saas.core.versions import current_version
from saas.settings.services import VOCABULARY_KEYS, current_tenant, save_settings

bp = Blueprint(
    "settings", __name__, url_prefix="/<tenant_slug>/settings", template_folder="templates"
)


class SettingsForm(VersionedForm):
    # the help texts are the onboarding wizard's (saas/platform/forms.py)
    name = StringField(
        _l("Name of the municipality"),
        description=_l("The official name, e.g. “Stadt Marl” or “Regionalverband Saarbrücken”."),
        validators=[DataRequired(), Length(max=200)],
    )
    default_locale = SelectField(
        _l("Default language"),
        description=_l("The language of the pages until a user chooses another one."),
        choices=as_choices([("de", "Deutsch"), ("en", "English")]),
    )
    office = StringField(
        _l("Word for one office"),
        description=_l("As your pages should say it, e.g. “Stadtteilbüro” or “Sozialraumbüro”."),
        validators=[DataRequired(), Length(max=60)],
    )
    offices = StringField(
        _l("Word for several offices"),
        description=_l("The plural, e.g. “Stadtteilbüros”."),
        validators=[DataRequired(), Length(max=60)],
    )
    area = StringField(
        _l("Word for one area"),
        description=_l(
            "As your pages should say it, e.g. “Stadtteil”, “Sozialraum” or “Quartier”."
        ),
        validators=[DataRequired(), Length(max=60)],
    )
    areas = StringField(
        _l("Word for several areas"),
        description=_l("The plural, e.g. “Stadtteile”."),
        validators=[DataRequired(), Length(max=60)],
    )


@bp.route("/", methods=["GET", "POST"])
@require("config.manage")
def index() -> Any:
    form = SettingsForm(data=_stored(current_tenant()))
    if form.validate_on_submit():
        try:
            save_settings(
                form.name.data,
                form.default_locale.data,
                {key: form[key].data for key in VOCABULARY_KEYS},
                form.version.data,
            )
        except Conflict:
            db.session.rollback()
            tenant = current_tenant()
            return conflict_page(
                form,
                SettingsForm(formdata=None, data=_stored(tenant)),
                tenant,
                ["name", "default_locale", *VOCABULARY_KEYS],
                action=url_for("settings.index"),
                cancel=url_for("settings.index"),
            )
        flash(_("Your changes were saved."), "success")
        return redirect(url_for("settings.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("settings/index.html", form=form), status


def _stored(tenant: Any) -> dict[str, Any]:
    """The saved settings as form data (with the version the user starts from)."""
    return {
        "name": tenant.name,
        "default_locale": tenant.default_locale,
        "version": current_version(tenant),
        **{key: tenant.word(key) for key in VOCABULARY_KEYS},
    }
