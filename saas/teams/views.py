"""Team and staff member pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.carriers.models import Carrier
from saas.core.crud import Column, Crud, name_of, options, tenant_word
from saas.core.db import db
from saas.core.unique import unique_code
from saas.offices.models import Office
from saas.teams.forms import StaffMemberForm, TeamForm
from saas.teams.models import STAFF_ROLES, StaffMember, Team

bp = Blueprint("teams", __name__, url_prefix="/<tenant_slug>/teams", template_folder="templates")
staff_bp = Blueprint("staff", __name__, url_prefix="/<tenant_slug>/staff")


def prepare_team(form: TeamForm, _obj: Any) -> None:
    form.office_id.set_choices(options(Office))
    form.office_id.label.text = tenant_word("office", "Office")()


def team_members(team: Team) -> dict[str, Any]:
    members = (
        db.session.execute(
            select(StaffMember).where(StaffMember.team_id == team.id).order_by(StaffMember.name)
        )
        .scalars()
        .all()
    )
    return {"members": members, "roles": STAFF_ROLES}


teams = Crud(
    model=Team,
    form_class=TeamForm,
    singular=_l("Team"),
    plural=_l("Teams"),
    columns=[
        Column("name", _l("Name")),
        Column(
            "office_id",
            tenant_word("office", "Office"),
            render=lambda t: name_of(Office, t.office_id),
        ),
    ],
    details=[
        Column("code", _l("Code")),
        Column(
            "office_id",
            tenant_word("office", "Office"),
            render=lambda t: name_of(Office, t.office_id),
        ),
        Column("notes", _l("Notes")),
    ],
    prepare_form=prepare_team,
    detail_context=team_members,
    detail_template="teams/detail.html",
    check=unique_code(Team),
).register(bp)


def prepare_staff(form: StaffMemberForm, _obj: Any) -> None:
    form.team_id.set_choices(options(Team))
    form.carrier_id.set_choices(options(Carrier))


def role_label(member: StaffMember) -> str:
    return str(STAFF_ROLES.get(member.role, member.role))


staff = Crud(
    model=StaffMember,
    form_class=StaffMemberForm,
    singular=_l("Staff member"),
    plural=_l("Staff members"),
    columns=[
        Column("name", _l("Name")),
        Column("role", _l("Role"), render=role_label),
        Column("team_id", _l("Team"), render=lambda m: name_of(Team, m.team_id)),
        Column("carrier_id", _l("Carrier"), render=lambda m: name_of(Carrier, m.carrier_id)),
    ],
    details=[
        Column("role", _l("Role"), render=role_label),
        Column("team_id", _l("Team"), render=lambda m: name_of(Team, m.team_id)),
        Column("carrier_id", _l("Carrier"), render=lambda m: name_of(Carrier, m.carrier_id)),
        Column("fte", _l("Full-time equivalent")),
        Column("email", _l("E-mail")),
    ],
    prepare_form=prepare_staff,
).register(staff_bp)
