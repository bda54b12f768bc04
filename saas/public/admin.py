"""The tenant admin's page for the texts of the public pages (``/<slug>/settings/public``)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import Email, Length, Optional

from saas.core.crud import conflict_page
from saas.core.db import db
from saas.core.forms import VersionedForm
from saas.core.operations import Conflict
from saas.core.permissions import require
from saas.core.versions import current_version
from saas.public.services import PUBLIC_TEXT_KEYS, save_public_texts
from saas.settings.services import current_tenant

LEAVE_EMPTY = _l("Leave empty to show the default text.")


class PublicTextsForm(VersionedForm):
    public_feedback_email = EmailField(
        _l("E-mail for feedback"),
        description=_l("Citizens' questions and feedback go there; shown on the public pages."),
        validators=[Optional(), Email(), Length(max=254)],
    )
    public_feedback_phone = StringField(
        _l("Phone for feedback"),
        description=_l("With the area code; an extension after a hyphen."),
        validators=[Length(max=60)],
    )
    public_postal_address = StringField(
        _l("Postal address of the Jugendamt"),
        description=_l("In one line, e.g. “Jugendamt, Creiler Platz 1, 45768 Marl”."),
        validators=[Length(max=300)],
    )
    public_accessibility = TextAreaField(
        _l("Accessibility statement"), validators=[Length(max=20000)], description=LEAVE_EMPTY
    )
    public_imprint = TextAreaField(
        _l("Imprint"), validators=[Length(max=20000)], description=LEAVE_EMPTY
    )
    public_privacy = TextAreaField(
        _l("Privacy notice"), validators=[Length(max=20000)], description=LEAVE_EMPTY
    )


def _stored(tenant: Any) -> dict[str, Any]:
    settings = tenant.settings or {}
    return {
        "version": current_version(tenant),
        **{key: settings.get(key) or "" for key in PUBLIC_TEXT_KEYS},
    }


@require("config.manage")
def texts() -> Any:
    """The form; routed as ``public.texts`` by :mod:`saas.public.views`."""
    form = PublicTextsForm(data=_stored(current_tenant()))
    if form.validate_on_submit():
        try:
            save_public_texts({key: form[key].data for key in PUBLIC_TEXT_KEYS}, form.version.data)
        except Conflict:
            db.session.rollback()
            tenant = current_tenant()
            return conflict_page(
                form,
                PublicTextsForm(formdata=None, data=_stored(tenant)),
                tenant,
                list(PUBLIC_TEXT_KEYS),
                action=url_for("public.texts"),
                cancel=url_for("public.texts"),
            )
        flash(_("Your changes were saved."), "success")
        return redirect(url_for("public.texts"))
    status = 400 if form.is_submitted() else 200
    return render_template("public/texts_form.html", form=form), status
