"""Bounded reading: every limit is hit while parsing, after bounded work."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from flask import Flask

from saas.core.uploads import (
    Limits,
    UploadRefused,
    bounded_rows,
    check_archive,
    check_yaml,
    describe,
)


def alias_bomb(levels: int = 9) -> str:
    """The billion-laughs document: 2 KB of text, 9**levels strings once expanded."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*l{i - 1}"] * 9)
        lines.append(f"l{i}: &l{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_without_expanding_it() -> None:
    text = alias_bomb()
    assert len(text) < 2500
    started = time.perf_counter()
    with pytest.raises(UploadRefused) as caught:
        check_yaml(text)
    assert caught.value.reason == "yaml_alias"
    assert caught.value.params["line"] == 1
    assert time.perf_counter() - started < 5  # generous: it is milliseconds


def test_a_single_alias_is_refused_too() -> None:
    with pytest.raises(UploadRefused) as caught:
        check_yaml("base: &b {a: 1}\nother: *b\n")
    assert caught.value.reason == "yaml_alias"


def test_deep_nesting_is_refused_with_its_line() -> None:
    text = "ok: 1\ndeep: " + "[" * 50 + "]" * 50 + "\n"
    with pytest.raises(UploadRefused) as caught:
        check_yaml(text, Limits(max_yaml_depth=20))
    assert caught.value.reason == "yaml_too_deep"
    assert caught.value.params["line"] == 2


def test_an_ordinary_profile_passes() -> None:
    check_yaml(
        "name: Stadt Marl\nareas:\n  - {code: A, name: Alt-Marl}\n  - {code: B, name: Hüls}\n"
    )


def test_an_archive_part_inflating_over_the_limit_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"x" * (8 * 1024 * 1024) + b"</sst>")
    data = buffer.getvalue()
    assert len(data) < 100_000
    with pytest.raises(UploadRefused) as caught:
        check_archive(data, Limits(max_part_bytes=4 * 1024 * 1024))
    assert caught.value.reason == "part_too_large"
    check_archive(data, Limits(max_part_bytes=16 * 1024 * 1024))


def test_not_an_archive_is_a_clear_refusal() -> None:
    with pytest.raises(UploadRefused) as caught:
        check_archive(b"PK\x03\x04 broken")
    assert caught.value.reason == "bad_archive"


def test_rows_and_cells_are_counted_while_reading() -> None:
    consumed = []

    def rows():  # noqa: ANN202
        for i in range(1_000_000):
            consumed.append(i)
            yield i, ["a", "b", "c"]

    with pytest.raises(UploadRefused) as caught:
        list(bounded_rows(rows(), Limits(max_rows=1000)))
    assert caught.value.reason == "too_many_rows"
    assert len(consumed) == 1001  # stopped at once, not after reading everything
    with pytest.raises(UploadRefused) as caught:
        list(bounded_rows(rows(), Limits(max_cells=30)))
    assert caught.value.reason == "too_many_cells"


def test_the_deadline_stops_a_slow_reader() -> None:
    def slow():  # noqa: ANN202
        for i in range(100_000):
            time.sleep(0.0001)
            yield i, ["x"]

    with pytest.raises(UploadRefused) as caught:
        list(bounded_rows(slow(), Limits(max_seconds=0.05)))
    assert caught.value.reason == "too_slow"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("de", "Anker und Aliase"), ("en", "anchors and aliases")],
)
def test_refusals_speak_the_users_language(app: Flask, locale: str, expected: str) -> None:
    with app.test_request_context(headers={"Accept-Language": locale}):
        assert expected in describe(UploadRefused("yaml_alias", line=3))


def test_upload_rate_and_lockout_count_in_one_limiter(app: Flask) -> None:
    """Review finding: the upload rate built a second limiter over the same storage, a copy of
    the lockout's construction. Both now count in the app's one instance, built once."""
    import ast
    from pathlib import Path

    from saas.auth import throttle
    from saas.core import uploads
    from saas.core.extensions import counters

    with app.test_request_context():
        assert throttle._limiter() is counters() is counters(app)
    builders = [
        path.relative_to(Path(uploads.__file__).parents[2]).as_posix()
        for path in Path(uploads.__file__).parents[1].rglob("*.py")
        if any(
            getattr(node.func, "id", getattr(node.func, "attr", None)) == "storage_from_string"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call)
        )
    ]
    assert builders == ["saas/core/extensions.py"]


def test_the_over_limit_message_is_one_function(app: Flask) -> None:
    """Review finding: the figures import and the wizard each wrote the refusal themselves."""
    import inspect
    import uuid

    from flask_login import login_user

    from saas.auth.models import User
    from saas.core.db import db
    from saas.core.tenancy import all_tenants
    from saas.core.uploads import upload_refusal
    from saas.figures import views as figures_views
    from saas.platform import wizard

    for module in (figures_views, wizard):
        source = inspect.getsource(module)
        assert "upload_refusal(" in source and "files within the last hour" not in source
    app.config.update(
        SAAS_UPLOAD_RATE_ENABLED=True,
        SAAS_UPLOADS_PER_HOUR=1,
        RATELIMIT_KEY_PREFIX=f"saas-test-{uuid.uuid4().hex}",
    )
    with all_tenants():
        user = db.session.query(User).filter_by(email="admin@marl.example").one()
    with app.test_request_context(headers={"Accept-Language": "de"}):
        login_user(user)
        assert upload_refusal("figures") is None
        refusal = upload_refusal("figures")
    assert refusal is not None and "in der letzten Stunde 1 Dateien hochgeladen" in refusal
