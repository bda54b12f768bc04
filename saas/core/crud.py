"""List, detail, create, edit, archive and delete pages for configuration objects.

One implementation of the rules users expect from every configuration page: objects that
data refers to are archived, not deleted (and the page says why); edits carry the version
the user started from, so two people editing the same object never silently overwrite each
other (the second sees a conflict with both versions); every page declares its permission.

The pages only parse: a form becomes a dict of plain values, handed to the five operations
every :class:`Crud` registers (``create``, ``edit``, ``archive``, ``restore``, ``delete``,
named ``saas.core.crud.Crud[<endpoint>].<action>`` in the operation registry). The
operations check the write permission (and the object scope, when the model has one), apply
the model's rules (``check``: raise :class:`Invalid`) and link rows (``save``), and only
flush; the request's commit point commits.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, Table, case, func, select

from saas.core import versions
from saas.core.audit import history
from saas.core.db import Base, db, utcnow
from saas.core.forms import Form
from saas.core.idempotency import TOKEN_FIELD, claim, first_result, issue_token, remember
from saas.core.operations import Conflict, Invalid, operation
from saas.core.permissions import PLATFORM_MANAGE, ensure_in_scope, has_permission, require
from saas.core.tenancy import TenantModel, all_tenants, get_or_404

Label = str | Callable[[], str]

#: reading the audit trail of configuration objects
AUDIT_VIEW = "audit.view"


def resolve(label: Label) -> str:
    return label() if callable(label) else str(label)


@dataclass
class Column:
    """A column of a list or a row of a detail page."""

    attr: str
    label: Label
    render: Callable[[Any], Any] | None = None
    link: bool = False
    #: the language of the value ("de", "en"), so screen readers pronounce it right (WCAG 3.1.2)
    lang: str = ""

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


def table_of(model: type[Any]) -> Table:
    """The table a model maps (mixins such as TenantModel do not declare ``__table__``)."""
    table: Table = model.__table__
    return table


def references(obj: Any) -> list[tuple[str, int]]:
    """(table, count) of rows that refer to ``obj`` and would block its deletion."""
    table = obj.__table__
    found = []
    for mapper in Base.registry.mappers:
        other = table_of(mapper.class_)
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


Values = dict[str, Any]
#: a model's rules over the plain values (raise :class:`Invalid`); ``obj`` is None on create
Check = Callable[[Values, Any | None], None]


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
    #: makes a new, empty object (default: ``model()``)
    factory: Callable[[], Any] | None = None
    #: writes non-column values from the plain values after the columns were set
    save: Callable[[Values, Any], None] | None = None
    #: writes link rows from the plain values, once the object has its id
    links: Callable[[Values, Any], None] | None = None
    #: the model's rules across fields and rows, run by the create and edit operations
    check: Check | None = None
    #: object scope of a limited membership: ``{"office_id": …}`` for ``ensure_in_scope``
    scope: Callable[[Any], dict[str, Any]] | None = None
    #: extra context for the detail page
    detail_context: Callable[[Any], dict[str, Any]] | None = None
    #: form-level checks before the operation runs (prefer ``check``); False after errors
    validate: Callable[[Form, Any | None], bool] | None = None
    detail_template: str = "crud/detail.html"
    list_template: str = "crud/list.html"
    #: extra criteria for models that are not tenant-scoped by the ORM (platform tables)
    criteria: Callable[[], Any] | None = None
    #: platform pages: reference counts look across tenants (numbers only, no tenant data)
    platform: bool = False
    endpoint: str = field(default="", init=False)

    # -- helpers ---------------------------------------------------------------------

    def column_names(self) -> set[str]:
        return set(table_of(self.model).columns.keys()) - {"id", "tenant_id", "version"}

    def column_fields(self, form: Form) -> list[str]:
        columns = self.column_names()
        return [name for name in form._fields if name in columns]

    def values(self, form: Form) -> Values:
        """The form as plain values: every field's data but the CSRF token and the version."""
        return {
            name: form[name].data for name in form._fields if name not in ("csrf_token", "version")
        }

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

    @property
    def audit_permission(self) -> str:
        """Who may read the history: ``audit.view`` in a tenant, platform admins on theirs."""
        return PLATFORM_MANAGE if self.read_permission == PLATFORM_MANAGE else AUDIT_VIEW

    def url(self, action: str, **values: Any) -> str:
        return url_for(f"{self.endpoint}.{action}", **values)

    def load(self, object_id: int) -> Any:
        """One object through the scoped path; 404 when it is not this page's."""
        obj = get_or_404(self.model, object_id)
        if self.criteria is not None:
            match = db.session.execute(
                select(self.model.id).where(self.model.id == obj.id, self.criteria())
            ).first()
            if match is None:
                abort(404)
        if self.scope is not None:
            ensure_in_scope(**self.scope(obj))
        return obj

    def references(self, obj: Any) -> list[tuple[str, int]]:
        if self.platform:
            with all_tenants():
                return references(obj)
        return references(obj)

    # -- operations --------------------------------------------------------------------

    def _apply(self, obj: Any, values: Values) -> None:
        for name in self.column_names() & values.keys():
            setattr(obj, name, values[name])

    def create(self, values: Values) -> Any:
        """Create one object from plain values (replaced by the registered operation)."""
        raise NotImplementedError("Crud.register() installs the operations")

    def edit(self, object_id: int, values: Values, expected_version: Any) -> Any:
        """Change one object, starting from ``expected_version`` (registered operation)."""
        raise NotImplementedError("Crud.register() installs the operations")

    def archive(self, object_id: int) -> Any:
        """Archive one object (registered operation)."""
        raise NotImplementedError("Crud.register() installs the operations")

    def restore(self, object_id: int) -> Any:
        """Make an archived object active again (registered operation)."""
        raise NotImplementedError("Crud.register() installs the operations")

    def delete(self, object_id: int) -> None:
        """Delete an object nothing refers to (registered operation)."""
        raise NotImplementedError("Crud.register() installs the operations")

    def _install_operations(self) -> None:
        """Register this page's five operations under ``Crud[<endpoint>].<action>``."""

        def create(values: Values) -> Any:
            with db.session.no_autoflush:
                if self.check is not None:
                    self.check(values, None)
                obj = self.factory() if self.factory is not None else self.model()
                self._apply(obj, values)
                if self.save is not None:
                    self.save(values, obj)
                if self.scope is not None:
                    ensure_in_scope(**self.scope(obj))
                db.session.add(obj)
            versions.flush(obj)
            if self.links is not None:
                with db.session.no_autoflush:
                    self.links(values, obj)
                versions.flush(obj)
            return obj

        def edit(object_id: int, values: Values, expected_version: Any) -> Any:
            obj = self.load(object_id)
            with versions.changing(obj, expected_version):
                if self.check is not None:
                    self.check(values, obj)
                self._apply(obj, values)
                if self.scope is not None:
                    ensure_in_scope(**self.scope(obj))
                if self.save is not None:
                    self.save(values, obj)
                if self.links is not None:
                    self.links(values, obj)
            return obj

        def archive(object_id: int) -> Any:
            obj = self.load(object_id)
            if obj.archived_at is None:
                obj.archived_at = utcnow()
                versions.flush(obj)
            return obj

        def restore(object_id: int) -> Any:
            obj = self.load(object_id)
            if obj.archived_at is not None:
                obj.archived_at = None
                versions.flush(obj)
            return obj

        def delete(object_id: int) -> None:
            obj = self.load(object_id)
            if self.references(obj):
                raise Invalid(
                    _(
                        "%(thing)s is still referred to by other records and can only be archived.",
                        thing=resolve(self.singular),
                    )
                )
            db.session.delete(obj)
            versions.flush(obj)

        for function in (create, edit, archive, restore, delete):
            function.__qualname__ = f"Crud[{self.endpoint}].{function.__name__}"
            wrapped = operation(self.write_permission, scoped=self.scope is not None)(function)
            setattr(self, function.__name__, wrapped)

    # -- registration ---------------------------------------------------------------------

    def register(self, bp: Blueprint) -> Crud:
        self.endpoint = bp.name
        self._install_operations()
        read, write = require(self.read_permission), require(self.write_permission)
        bp.add_url_rule("/", "index", read(self.index_view))
        bp.add_url_rule("/new", "new", write(self.new_view), methods=["GET", "POST"])
        bp.add_url_rule("/<int:object_id>", "detail", read(self.detail_view))
        bp.add_url_rule(
            "/<int:object_id>/history", "history", require(self.audit_permission)(self.history_view)
        )
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
        sort = self.sort_order()
        columns = {name: getattr(self.model, name) for name in self.sortable()}
        query = sorted_by(query, sort, columns)
        query = query.order_by(*(getattr(self.model, name) for name in self.order_by))
        objects = db.session.execute(query).unique().scalars().all()
        return render_template(
            self.list_template,
            **self.context(
                objects=objects, show_archived=show_archived, sort=sort, sortable=self.sortable()
            ),
        )

    # -- sorting (?sort=name, ?sort=-name) ----------------------------------------------

    def sortable(self) -> set[str]:
        """The list's columns that are columns of the table (rendered ones sort by their
        stored value, e.g. an address by its street)."""
        return {c.attr for c in self.columns} & set(table_of(self.model).columns.keys())

    def sort_order(self) -> SortOrder | None:
        """(column, descending) asked for by ``?sort=``; None for the default order."""
        return sort_order(self.sortable())

    def detail_view(self, object_id: int) -> str:
        obj = self.load(object_id)
        extra = self.detail_context(obj) if self.detail_context else {}
        return render_template(
            self.detail_template,
            **self.context(
                obj=obj,
                refs=self.references(obj),
                can_audit=has_permission(self.audit_permission),
                **extra,
            ),
        )

    def history_view(self, object_id: int) -> str:
        """Who changed what and when (the audit log of one object; needs ``audit.view``)."""
        obj = self.load(object_id)
        return render_template(
            "crud/history_page.html",
            **self.context(obj=obj, history=history(table_of(self.model).name, obj.id)),
        )

    def _form_page(self, form: Form, obj: Any | None, token: str | None = None) -> tuple[str, int]:
        status = 400 if form.is_submitted() else 200
        context = self.context(form=form, obj=obj, token=token, token_field=TOKEN_FIELD)
        return render_template("crud/form.html", **context), status

    def new_view(self) -> Any:
        form = self.make_form()
        # the page's one-time token: a double submit creates once and is sent where the
        # first one went (a request without a token, e.g. a script, is simply processed)
        # (tokens are kept per tenant: platform pages do without)
        token = None
        if not self.platform and g.get("tenant") is not None:
            posted = request.form.get(TOKEN_FIELD, "")
            token = posted if request.method == "POST" else issue_token()
        if form.validate_on_submit() and (self.validate is None or self.validate(form, None)):
            if token and not claim(token):
                done = first_result(token)
                if done:
                    return redirect(done)
                flash(
                    _("This form has expired. Please check the entries and send it again."),
                    "error",
                )
                return self._form_page(form, None, issue_token())
            try:
                obj = self.create(self.values(form))
            except Invalid as error:
                field_errors(form, error)
                return self._form_page(form, None, token)
            target = self.url("detail", object_id=obj.id)
            if token:
                remember(token, target)
            flash(_("%(thing)s was created.", thing=resolve(self.singular)), "success")
            return redirect(target)
        return self._form_page(form, None, token)

    def edit_view(self, object_id: int) -> Any:
        obj = self.load(object_id)
        form = self.make_form(obj)
        if request.method == "GET":
            form.version.data = versions.current_version(obj)
            if self.load_form is not None:
                self.load_form(form, obj)
        elif form.validate_on_submit() and (self.validate is None or self.validate(form, obj)):
            try:
                obj = self.edit(object_id, self.values(form), form.version.data)
            except Invalid as error:
                field_errors(form, error)
                return self._form_page(form, obj)
            except Conflict:
                db.session.rollback()
                return self.conflict(form, self.load(object_id))
            flash(_("Your changes were saved."), "success")
            return redirect(self.url("detail", object_id=obj.id))
        return self._form_page(form, obj)

    def conflict(self, form: Form, current: Any) -> tuple[str, int]:
        """Someone else saved first: show their version and the user's, nothing lost."""
        db.session.refresh(current)
        stored = self.make_form(current)
        if self.load_form is not None:
            self.load_form(stored, current)
        return conflict_page(
            form,
            stored,
            current,
            [*self.column_fields(form), *self._extra_fields(form)],
            action=self.url("edit", object_id=current.id),
            cancel=self.url("detail", object_id=current.id),
            **self.context(),
        )

    def _extra_fields(self, form: Form) -> list[str]:
        skip = {"csrf_token", "version", "idempotency_token", *self.column_fields(form)}
        return [name for name in form._fields if name not in skip]

    def archive_view(self, object_id: int) -> Any:
        obj = self.archive(object_id)
        flash(_("%(thing)s was archived.", thing=resolve(self.singular)), "success")
        return redirect(self.url("detail", object_id=obj.id))

    def restore_view(self, object_id: int) -> Any:
        obj = self.restore(object_id)
        flash(_("%(thing)s is active again.", thing=resolve(self.singular)), "success")
        return redirect(self.url("detail", object_id=obj.id))

    def delete_view(self, object_id: int) -> Any:
        try:
            self.delete(object_id)
        except Invalid as error:
            flash(error.message, "error")
            return redirect(self.url("detail", object_id=object_id))
        flash(_("%(thing)s was deleted.", thing=resolve(self.singular)), "success")
        return redirect(self.url("index"))


# -- sorting lists by their column headers ----------------------------------------------------

#: (key, descending): ``?sort=name`` is ("name", False), ``?sort=-name`` ("name", True)
SortOrder = tuple[str, bool]


def sort_order(sortable: Collection[str], default: SortOrder | None = None) -> SortOrder | None:
    """The order a list was asked for by ``?sort=``: one of its ``sortable`` keys, ascending or
    (``-key``) descending; ``default`` for no or an unknown key, which is ignored, not an error.

    Every sortable list reads it, and its headers are the ``sort_th`` macro of
    ``macros.html`` (links, so sorting works without JavaScript; ``aria-sort`` on the column).
    """
    wanted = request.args.get("sort", "")
    name = wanted.removeprefix("-")
    return (name, wanted.startswith("-")) if name in sortable else default


def sorted_by(
    query: Select[Any], sort: SortOrder | None, columns: Mapping[str, Any]
) -> Select[Any]:
    """``query`` ordered first by the column (an SQL expression) the sort names; the caller
    adds its usual order after it, which breaks ties and is the order without a sort."""
    if sort is None:
        return query
    column = columns[sort[0]]
    return query.order_by(column.desc() if sort[1] else column.asc())


def by_label(column: Any, labels: Mapping[str, Any]) -> Any:
    """An SQL expression ordering stored codes (roles, kinds …) by the words the page shows
    for them, in the request's language; unknown codes sort by themselves."""
    return case({code: str(text) for code, text in labels.items()}, value=column, else_=column)


def conflict_page(
    form: Form,
    stored: Form,
    current: Any,
    fields: Sequence[str],
    *,
    action: str,
    cancel: str,
    version_field: str = "version",
    version: Any = None,
    **context: Any,
) -> tuple[str, int]:
    """The one conflict page (409): the user's entries beside the saved record, field by
    field, and the user's form again, now carrying the saved version to start from."""
    rows = [
        {
            "label": form[name].label.text,
            "mine": form[name].data,
            "theirs": stored[name].data,
            "differs": form[name].data != stored[name].data,
        }
        for name in fields
    ]
    form[version_field].data = versions.current_version(current) if version is None else version
    return render_template(
        "crud/conflict.html",
        form=form,
        obj=current,
        rows=rows,
        action=action,
        cancel=cancel,
        **context,
    ), 409


def field_errors(form: Form, error: Invalid) -> None:
    """Show an operation's refusal at its field (or at the top of the form)."""
    if error.field is not None and error.field in form._fields:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        flash(error.message, "error")


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
    cache: dict[type[Any], dict[int, str]] = g.setdefault("name_cache", {})
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
