"""List, detail, create, edit, archive and delete pages for configuration objects.

One implementation of the rules users expect from every configuration page: objects that
data refers to are archived, not deleted (and the page says why); edits carry the version
the user started from, so two people editing the same object never silently overwrite each
other (the second sees a conflict with both versions); every page declares its permission.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from saas.core.audit import history
from saas.core.db import db, utcnow
from saas.core.forms import Form
from saas.core.permissions import has_permission, require
from saas.core.tenancy import TenantModel, all_tenants, get_or_404

Label = str | Callable[[], str]


def resolve(label: Label) -> str:
    return label() if callable(label) else str(label)


@dataclass
class Column:
    """A column of a list or a row of a detail page."""

    attr: str
    label: Label
    render: Callable[[Any], Any] | None = None
    link: bool = False

    def value(self, obj: Any) -> Any:
        if self.render is not None:
            return self.render(obj)
        return getattr(obj, self.attr, None)


def tenant_word(key: str, fallback: str) -> Callable[[], str]:
    """A label that follows the tenant's own vocabulary (office, area …)."""

    def _label() -> str:
        tenant = g.get("tenant")
        return tenant.word(key) if tenant is not None else fallback

    return _label


def references(obj: Any) -> list[tuple[str, int]]:
    """(table, count) of rows that refer to ``obj`` and would block its deletion."""
    table = obj.__table__
    found = []
    for mapper in db.Model.registry.mappers:
        other = mapper.local_table
        for fk in other.foreign_key_constraints:
            if fk.referred_table is not table or (fk.ondelete or "").upper() == "CASCADE":
                continue
            columns = [c for c in fk.columns if c.name != "tenant_id"]
            if len(columns) != 1:
                continue
            count = db.session.execute(
                select(func.count())
                .select_from(mapper.class_)
                .where(getattr(mapper.class_, columns[0].key) == obj.id)
            ).scalar_one()
            if count:
                found.append((other.name, count))
    return found


@dataclass
class Crud:
    """Configuration pages for one tenant model, registered on a blueprint."""

    model: type[TenantModel]
    form_class: type[Form]
    singular: Label
    plural: Label
    columns: Sequence[Column]
    details: Sequence[Column] = ()
    order_by: Sequence[str] = ("name",)
    read_permission: str = "tenant.view"
    write_permission: str = "config.manage"
    #: fills choices of select fields from the current tenant's rows
    prepare_form: Callable[[Form, Any | None], None] | None = None
    #: copies non-column values (links) from an object into the form on GET
    load_form: Callable[[Form, Any], None] | None = None
    #: writes non-column values (links) from the form after the columns were copied
    save_form: Callable[[Form, Any], None] | None = None
    #: extra context for the detail page
    detail_context: Callable[[Any], dict[str, Any]] | None = None
    #: validation across fields and rows; returns False after adding field errors
    validate: Callable[[Form, Any | None], bool] | None = None
    detail_template: str = "crud/detail.html"
    list_template: str = "crud/list.html"
    #: extra criteria for models that are not tenant-scoped by the ORM (platform tables)
    criteria: Callable[[], Any] | None = None
    #: platform pages: reference counts look across tenants (numbers only, no tenant data)
    platform: bool = False
    endpoint: str = field(default="", init=False)

    # -- helpers ---------------------------------------------------------------------

    def column_fields(self, form: Form) -> list[str]:
        columns = set(self.model.__table__.columns.keys())
        return [
            name
            for name in form._fields
            if name in columns and name not in ("id", "tenant_id", "version")
        ]

    def copy_to_object(self, form: Form, obj: Any) -> None:
        for name in self.column_fields(form):
            setattr(obj, name, form[name].data)
        if self.save_form is not None:
            self.save_form(form, obj)

    def make_form(self, obj: Any | None = None, **kwargs: Any) -> Form:
        form = self.form_class(obj=obj, **kwargs)
        if self.prepare_form is not None:
            self.prepare_form(form, obj)
        return form

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "crud": self,
            "singular": resolve(self.singular),
            "plural": resolve(self.plural),
            "can_write": has_permission(self.write_permission),
            "resolve": resolve,
            **extra,
        }

    def url(self, action: str, **values: Any) -> str:
        return url_for(f"{self.endpoint}.{action}", **values)

    # -- registration ---------------------------------------------------------------------

    def load(self, object_id: int) -> Any:
        """One object through the scoped path; 404 when it is not this page's."""
        obj = get_or_404(self.model, object_id)
        if self.criteria is not None:
            match = db.session.execute(
                select(self.model.id).where(self.model.id == obj.id, self.criteria())
            ).first()
            if match is None:
                abort(404)
        return obj

    def references(self, obj: Any) -> list[tuple[str, int]]:
        if self.platform:
            with all_tenants():
                return references(obj)
        return references(obj)

    def register(self, bp: Blueprint) -> Crud:
        self.endpoint = bp.name
        read, write = require(self.read_permission), require(self.write_permission)
        bp.add_url_rule("/", "index", read(self.index_view))
        bp.add_url_rule("/new", "new", write(self.new_view), methods=["GET", "POST"])
        bp.add_url_rule("/<int:object_id>", "detail", read(self.detail_view))
        bp.add_url_rule(
            "/<int:object_id>/edit", "edit", write(self.edit_view), methods=["GET", "POST"]
        )
        bp.add_url_rule(
            "/<int:object_id>/archive", "archive", write(self.archive_view), methods=["POST"]
        )
        bp.add_url_rule(
            "/<int:object_id>/restore", "restore", write(self.restore_view), methods=["POST"]
        )
        bp.add_url_rule(
            "/<int:object_id>/delete", "delete", write(self.delete_view), methods=["POST"]
        )
        return self

    # -- views -------------------------------------------------------------------------

    def index_view(self) -> str:
        show_archived = request.args.get("archived") == "1"
        query = select(self.model)
        if self.criteria is not None:
            query = query.where(self.criteria())
        if hasattr(self.model, "archived_at") and not show_archived:
            query = query.where(self.model.archived_at.is_(None))
        query = query.order_by(*(getattr(self.model, name) for name in self.order_by))
        objects = db.session.execute(query).unique().scalars().all()
        return render_template(
            self.list_template, **self.context(objects=objects, show_archived=show_archived)
        )

    def detail_view(self, object_id: int) -> str:
        obj = self.load(object_id)
        extra = self.detail_context(obj) if self.detail_context else {}
        return render_template(
            self.detail_template,
            **self.context(
                obj=obj,
                refs=self.references(obj),
                history=history(self.model.__tablename__, obj.id),
                **extra,
            ),
        )

    def new_view(self) -> Any:
        form = self.make_form()
        if form.validate_on_submit() and (self.validate is None or self.validate(form, None)):
            obj = self.model()
            self.copy_to_object(form, obj)
            db.session.add(obj)
            db.session.commit()
            flash(_("%(thing)s was created.", thing=resolve(self.singular)), "success")
            return redirect(self.url("detail", object_id=obj.id))
        status = 400 if form.is_submitted() else 200
        return render_template("crud/form.html", **self.context(form=form, obj=None)), status

    def edit_view(self, object_id: int) -> Any:
        obj = self.load(object_id)
        form = self.make_form(obj)
        if request.method == "GET":
            form.version.data = obj.version
            if self.load_form is not None:
                self.load_form(form, obj)
        elif form.validate_on_submit() and (self.validate is None or self.validate(form, obj)):
            if str(obj.version) != (form.version.data or ""):
                return self.conflict(form, obj)
            self.copy_to_object(form, obj)
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                return self.conflict(form, self.load(object_id))
            flash(_("Your changes were saved."), "success")
            return redirect(self.url("detail", object_id=obj.id))
        status = 400 if form.is_submitted() else 200
        return render_template("crud/form.html", **self.context(form=form, obj=obj)), status

    def conflict(self, form: Form, current: Any) -> tuple[str, int]:
        """Someone else saved first: show their version and the user's, nothing lost."""
        db.session.refresh(current)
        stored = self.make_form(current)
        if self.load_form is not None:
            self.load_form(stored, current)
        rows = []
        for name in [*self.column_fields(form), *self._extra_fields(form)]:
            mine, theirs = form[name].data, stored[name].data
            rows.append(
                {
                    "label": form[name].label.text,
                    "mine": mine,
                    "theirs": theirs,
                    "differs": mine != theirs,
                }
            )
        form.version.data = current.version
        return render_template(
            "crud/conflict.html", **self.context(form=form, obj=current, rows=rows)
        ), 409

    def _extra_fields(self, form: Form) -> list[str]:
        skip = {"csrf_token", "version", *self.column_fields(form)}
        return [name for name in form._fields if name not in skip]

    def archive_view(self, object_id: int) -> Any:
        obj = self.load(object_id)
        if obj.archived_at is None:
            obj.archived_at = utcnow()
            db.session.commit()
            flash(_("%(thing)s was archived.", thing=resolve(self.singular)), "success")
        return redirect(self.url("detail", object_id=obj.id))

    def restore_view(self, object_id: int) -> Any:
        obj = self.load(object_id)
        if obj.archived_at is not None:
            obj.archived_at = None
            db.session.commit()
            flash(_("%(thing)s is active again.", thing=resolve(self.singular)), "success")
        return redirect(self.url("detail", object_id=obj.id))

    def delete_view(self, object_id: int) -> Any:
        obj = self.load(object_id)
        if self.references(obj):
            flash(
                _(
                    "%(thing)s is still referred to by other records and can only be archived.",
                    thing=resolve(self.singular),
                ),
                "error",
            )
            return redirect(self.url("detail", object_id=obj.id))
        db.session.delete(obj)
        db.session.commit()
        flash(_("%(thing)s was deleted.", thing=resolve(self.singular)), "success")
        return redirect(self.url("index"))


def options(
    model: type[Any],
    *,
    label: Callable[[Any], str] = str,
    order_by: str = "name",
    include_archived: bool = False,
) -> list[tuple[int, str]]:
    """Select choices from the current tenant's rows (other tenants' ids are never valid)."""
    query = select(model).order_by(getattr(model, order_by))
    if hasattr(model, "archived_at") and not include_archived:
        query = query.where(model.archived_at.is_(None))
    return [(obj.id, label(obj)) for obj in db.session.execute(query).unique().scalars()]


def name_of(model: type[Any], object_id: int | None) -> str | None:
    """Display name of a row of the current tenant; one query per model and request."""
    if object_id is None:
        return None
    cache = g.setdefault("name_cache", {})
    if model not in cache:
        cache[model] = dict(db.session.execute(select(model.id, model.name)).all())
    return cache[model].get(object_id)


def linked_ids(link_model: type[Any], owner_column: str, owner_id: int, target: str) -> list[int]:
    """Ids linked to one owner through an association model."""
    return list(
        db.session.execute(
            select(getattr(link_model, target)).where(getattr(link_model, owner_column) == owner_id)
        ).scalars()
    )


def sync_links(
    link_model: type[Any], owner_column: str, owner_id: int, target: str, wanted: list[int]
) -> None:
    """Make the owner's links exactly ``wanted``, adding and removing association rows."""
    current = {
        getattr(row, target): row
        for row in db.session.execute(
            select(link_model).where(getattr(link_model, owner_column) == owner_id)
        ).scalars()
    }
    for target_id, row in current.items():
        if target_id not in wanted:
            db.session.delete(row)
    for target_id in wanted:
        if target_id not in current:
            db.session.add(link_model(**{owner_column: owner_id, target: target_id}))
