"""Deployment files against the real entry points: Dockerfile, docker-compose.yml, .ci/run.

No Docker engine is needed: the compose file is parsed and its app environment is fed to
``load_config``; its app command and healthcheck are run locally on SQLite; the PostgreSQL init
script runs against ``TEST_DATABASE_URL`` inside a rolled-back transaction.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from sqlalchemy.engine import make_url

from saas.config import OPTIONS, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
OPTION_NAMES = {option.name for option in OPTIONS}
PLACEHOLDER = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)


def dummy(name: str) -> str:
    """A URL-safe stand-in of 40 characters for a variable the operator must set (a random
    looking one for the secret key, whose entropy is checked; an address for the base URL)."""
    if name == "SAAS_BASE_URL":
        return "https://sozialraum.example"
    if name == "SECRET_KEY":
        return hashlib.sha256(name.encode()).hexdigest()[:40]
    return f"{name.lower()}-".ljust(40, "x")[:40]


def interpolate(value: str) -> str:
    """Resolve compose placeholders as compose would, with every variable unset but required."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        if match.group("op") in (":-", "-"):
            return match.group("arg")
        return dummy(name)

    return PLACEHOLDER.sub(replace, value)


def placeholders(value: str) -> set[str]:
    return {m.group("braced") or m.group("bare") for m in PLACEHOLDER.finditer(value)} - {None}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return YAML(typ="safe").load(COMPOSE_FILE.read_text())


def environment(service: dict[str, Any], *, raw: bool = False) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) if raw else interpolate(str(value)) for key, value in env.items()}


def shell_script(command: str | list[str]) -> str:
    """The shell text of a compose command (``[sh, -c, script]`` or a plain string)."""
    if isinstance(command, list):
        assert command[:2] == ["sh", "-c"], command
        return command[2]
    return command


def healthcheck_code(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    return test[3]


def container_port(service: dict[str, Any]) -> int:
    (mapping,) = service["ports"]
    return int(str(mapping).split(":")[-1].split("/")[0])


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            result.append((keyword.upper(), " ".join(args.split())))
    return result


def require_service(reason: str) -> None:
    """Skip a test needing a service, unless CI demands that every such test runs."""
    if os.environ.get("SAAS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"SAAS_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_defines_db_redis_and_app(compose):
    services = compose["services"]
    assert {"db", "redis", "app"} <= set(services)
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["app"]["build"] == "."


def test_app_environment_names_are_config_options(compose):
    unknown = set(environment(compose["services"]["app"])) - OPTION_NAMES
    assert not unknown, f"not options of saas.config.OPTIONS: {sorted(unknown)}"


def test_compose_environment_passes_production_config(compose, monkeypatch):
    env = environment(compose["services"]["app"])
    assert env["SAAS_ENV"] == "production"
    for name in OPTION_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    config = load_config()

    assert config["SAAS_ENV"] == "production"
    assert config["DEBUG"] is False
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
    assert config["SQLALCHEMY_DATABASE_URI"] == env["DATABASE_URL"]
    assert config["MIGRATION_DATABASE_URL"] == env["MIGRATION_DATABASE_URL"]


def test_secrets_are_required_not_defaulted(compose):
    """Compose refuses to start without the secrets instead of inventing them."""
    raw = environment(compose["services"]["app"], raw=True)
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", raw["SECRET_KEY"])
    for name in ("DATABASE_URL", "MIGRATION_DATABASE_URL"):
        assert ":-" not in raw[name] and ":?" in raw[name], raw[name]


def test_runtime_uses_app_role_and_migrations_the_owner(compose):
    db, app = compose["services"]["db"], compose["services"]["app"]
    db_env, app_env = environment(db), environment(app)
    runtime = make_url(app_env["DATABASE_URL"])
    owner = make_url(app_env["MIGRATION_DATABASE_URL"])

    for url in (runtime, owner):
        assert url.drivername == "postgresql+psycopg"
        assert (url.host, url.port, url.database) == ("db", 5432, db_env["POSTGRES_DB"])
    assert runtime.username == app_env["SAAS_DB_APP_ROLE"] == "sozialraum_app"
    assert owner.username == db_env["POSTGRES_USER"] != runtime.username

    # The passwords in the URLs are the ones the db service is initialised with.
    db_raw, app_raw = environment(db, raw=True), environment(app, raw=True)
    assert placeholders(app_raw["DATABASE_URL"]) == placeholders(db_raw["SAAS_APP_DB_PASSWORD"])
    assert placeholders(app_raw["MIGRATION_DATABASE_URL"]) == placeholders(
        db_raw["POSTGRES_PASSWORD"]
    )


def test_app_command_migrates_then_serves_wsgi_app(compose):
    script = shell_script(compose["services"]["app"]["command"])
    steps = [shlex.split(step) for step in script.split("&&")]
    assert len(steps) == 2, "migrate && serve: gunicorn must not start if migrations failed"
    migrate, serve = steps
    assert migrate == ["flask", "--app", "wsgi", "db", "upgrade"]
    assert serve[:2] == ["exec", "gunicorn"]
    assert serve[-1] == "wsgi:app"


def test_wsgi_module_defines_app():
    tree = ast.parse((ROOT / "wsgi.py").read_text())
    assigned = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert "app" in assigned


def test_published_port_matches_gunicorn_and_healthcheck(compose):
    app = compose["services"]["app"]
    port = container_port(app)
    serve = shlex.split(shell_script(app["command"]).split("&&")[-1])
    assert serve[serve.index("--bind") + 1] == f"0.0.0.0:{port}"
    assert f"http://127.0.0.1:{port}/healthz" in healthcheck_code(app)
    assert port == 5000


def test_app_waits_for_healthy_db_and_redis(compose):
    services = compose["services"]
    depends_on = services["app"]["depends_on"]
    for name in ("db", "redis"):
        assert depends_on[name]["condition"] == "service_healthy"
        assert services[name]["healthcheck"]["test"]


@pytest.mark.sqlite_only  # boots the compose command on a SQLite file of its own
def test_compose_command_boots_and_passes_its_healthcheck(compose, tmp_path):
    """The app command of compose, run here on SQLite: migrate, serve, answer the healthcheck."""
    app = compose["services"]["app"]
    port = free_port()
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        require_service("REDIS_URL is not set: the production health check needs Redis")
    script = shell_script(app["command"]).replace("0.0.0.0:5000", f"127.0.0.1:{port}")
    check = healthcheck_code(app).replace("127.0.0.1:5000", f"127.0.0.1:{port}")
    database = f"sqlite:///{tmp_path / 'compose.sqlite'}"
    env = {
        **environment(app),
        "DATABASE_URL": database,
        "MIGRATION_DATABASE_URL": database,
        # the health check reports Redis (required in production): a reachable one here
        "REDIS_URL": redis_url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        ["sh", "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            probe = subprocess.run(
                [sys.executable, "-c", check], capture_output=True, text=True, timeout=15
            )
            if probe.returncode == 0 or server.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert server.poll() is None, "the app command stopped"
        assert probe.returncode == 0, probe.stderr[-2000:]

        # Plain HTTP: the health probe answers (load balancers probe inside the network),
        # every other page is redirected to HTTPS in production.
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=5) as health:
            assert health.status == 200
        try:
            opener.open(f"http://127.0.0.1:{port}/", timeout=5).close()
        except urllib.error.HTTPError as error:
            with error:
                status, location = error.code, error.headers["Location"]
        else:
            pytest.fail("plain HTTP got a page in production mode")
        assert status in (301, 302) and location.startswith("https://")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    text = output.decode(errors="replace")
    assert "Running upgrade" in text and "Listening at" in text, text[-2000:]


# --- PostgreSQL init script -----------------------------------------------------------------


def init_script_mount(compose: dict[str, Any]) -> tuple[Path, str]:
    for volume in compose["services"]["db"]["volumes"]:
        source, target = str(volume).split(":")[:2]
        if target.startswith("/docker-entrypoint-initdb.d/"):
            return ROOT / source, target
    raise AssertionError("no init script mounted into /docker-entrypoint-initdb.d/")


def test_init_script_creates_the_app_role_of_database_url(compose):
    path, target = init_script_mount(compose)
    assert path.is_file() and path.parent == ROOT / "deploy"
    assert target.endswith(".sql")
    sql = path.read_text()
    app_env = environment(compose["services"]["app"])
    role = app_env["SAAS_DB_APP_ROLE"]

    assert re.search(rf"'CREATE ROLE {role}'", sql)
    assert make_url(app_env["DATABASE_URL"]).username == role
    (attributes,) = re.findall(rf"ALTER ROLE {role} WITH ([^;]+);", sql)
    words = set(attributes.split())
    assert {"LOGIN", "NOSUPERUSER", "NOBYPASSRLS", "NOCREATEROLE", "PASSWORD"} <= words
    assert not {"SUPERUSER", "BYPASSRLS", "CREATEROLE"} & words


def test_init_script_gives_the_app_role_nothing_to_own(compose):
    path, _ = init_script_mount(compose)
    sql = path.read_text()
    role = environment(compose["services"]["app"])["SAAS_DB_APP_ROLE"]
    owner = environment(compose["services"]["db"])["POSTGRES_USER"]
    assert not re.search(rf"OWNER\s+TO\s+{role}\b", sql, re.IGNORECASE)
    assert not re.search(rf"GRANT\s+{owner}\s+TO\s+{role}\b", sql, re.IGNORECASE)
    assert not re.search(r"\bIN\s+ROLE\b", sql, re.IGNORECASE)
    # The password comes from the variable the db service sets, not from the file.
    (variable,) = re.findall(r"\\getenv app_password (\w+)", sql)
    assert variable in environment(compose["services"]["db"])


def run_init_script(url: str, password: str | None, query: str) -> subprocess.CompletedProcess:
    """The init script as the postgres image runs it, in a transaction that is rolled back."""
    path, _ = init_script_mount(YAML(typ="safe").load(COMPOSE_FILE.read_text()))
    env = {k: v for k, v in os.environ.items() if k != "SAAS_APP_DB_PASSWORD"}
    if password is not None:
        env["SAAS_APP_DB_PASSWORD"] = password
    return subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url],
        input=f"BEGIN;\n{path.read_text()}\n{query}\nROLLBACK;\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def psql_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        require_service("TEST_DATABASE_URL is not set (PostgreSQL)")
    if not shutil.which("psql"):
        pytest.skip("psql is not installed")
    version = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout
    if int(re.search(r"(\d+)", version).group(1)) < 15:
        pytest.skip("the init script needs psql 15 or newer (\\getenv)")
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.postgres
def test_init_script_runs_on_postgres(psql_url):
    query = """
        SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
               (SELECT count(*) FROM pg_class WHERE relowner = r.oid)
             + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)
             + (SELECT count(*) FROM pg_database WHERE datdba = r.oid),
               has_schema_privilege(r.oid, 'public', 'CREATE'),
               has_database_privilege(r.oid, current_database(), 'CONNECT')
        FROM pg_roles r WHERE rolname = 'sozialraum_app';
    """
    result = run_init_script(psql_url, "a-password-for-the-test", query)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["t|f|f|f|f|0|f|t"]


@pytest.mark.postgres
@pytest.mark.parametrize("password", [None, ""])
def test_init_script_refuses_a_missing_password(psql_url, password):
    result = run_init_script(psql_url, password, "")
    assert result.returncode != 0
    assert "SAAS_APP_DB_PASSWORD is not set" in result.stderr


# --- Dockerfile and .dockerignore -----------------------------------------------------------


def test_dockerfile_builds_from_python_311_slim_and_the_lock_file():
    steps = dockerfile_instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [args for keyword, args in steps if keyword == "RUN"]
    assert any("pip install --require-hashes -r /tmp/requirements.lock" in run for run in runs)
    assert ("COPY", "requirements.lock /tmp/requirements.lock") in steps


# --- lock files: production (the image) and development ------------------------------------

#: development and CI tools: in requirements-dev.lock, never in the image
DEV_TOOLS = ("pytest", "hypothesis", "ruff", "selenium", "mypy")


def lock_pins(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """``package → (version, hashes)`` of a uv lock file."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    for block in re.split(r"\n(?=[a-z0-9])", (ROOT / name).read_text(encoding="utf-8")):
        match = re.match(r"([a-z0-9][a-z0-9._-]*)==(\S+)", block)
        if match:
            hashes = frozenset(re.findall(r"--hash=(sha256:[0-9a-f]{64})", block))
            pins[match.group(1)] = (match.group(2), hashes)
    return pins


def test_production_lock_leaves_out_the_development_tools():
    prod = lock_pins("requirements.lock")
    assert {"flask", "gunicorn", "psycopg", "sqlalchemy"} <= set(prod)
    assert not set(DEV_TOOLS) & set(prod), set(DEV_TOOLS) & set(prod)
    assert "--extra" not in (ROOT / "requirements.lock").read_text(encoding="utf-8")


def test_development_lock_is_the_production_lock_plus_the_tools():
    prod, dev = lock_pins("requirements.lock"), lock_pins("requirements-dev.lock")
    differ = {name: (pin[0], dev.get(name, ("missing",))[0]) for name, pin in prod.items()}
    assert {n: v for n, v in differ.items() if prod[n] != dev.get(n)} == {}
    assert set(DEV_TOOLS) <= set(dev)


@pytest.mark.parametrize("name", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_is_pinned_with_hashes(name):
    pins = lock_pins(name)
    assert len(pins) > 20
    assert [package for package, (_version, hashes) in pins.items() if not hashes] == []


def test_make_setup_installs_the_development_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert "-r requirements.lock" not in makefile


def test_dockerfile_compiles_translations_after_copying_the_app():
    steps = dockerfile_instructions()
    copy_app = steps.index(("COPY", ". /app"))
    compile_step = next(
        i for i, (k, args) in enumerate(steps) if k == "RUN" and "pybabel compile" in args
    )
    assert "pybabel compile -d translations" in steps[compile_step][1]
    assert copy_app < compile_step
    assert ("WORKDIR", "/app") in steps[:copy_app]


def test_dockerfile_runs_gunicorn_on_wsgi_app_as_non_root():
    steps = dockerfile_instructions()
    keywords = [keyword for keyword, _ in steps]
    last_user = len(steps) - 1 - keywords[::-1].index("USER")
    assert steps[last_user][1].split(":")[0] not in ("root", "0")
    assert keywords.count("CMD") == 1 and last_user < keywords.index("CMD")
    cmd = steps[keywords.index("CMD")][1]
    assert "gunicorn" in cmd and "wsgi:app" in cmd
    assert "--bind 0.0.0.0:${PORT:-5000}" in cmd
    assert cmd.startswith('["sh", "-c", "exec gunicorn')


def test_translation_compile_step_works(tmp_path):
    """``pybabel compile -d translations`` of the image, on a copy of the catalogs."""
    catalogs = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", catalogs, ignore=shutil.ignore_patterns("*.mo"))
    pybabel = Path(sys.executable).parent / "pybabel"
    result = subprocess.run(
        [str(pybabel), "compile", "-d", str(catalogs)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    po_files = sorted(catalogs.glob("*/LC_MESSAGES/messages.po"))
    assert {p.parts[-3] for p in po_files} >= {"de", "en"}
    for po in po_files:
        assert po.with_suffix(".mo").stat().st_size > 0


def dockerignore_regex(pattern: str) -> str:
    tokens = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return "".join(
        tokens.get(part, re.escape(part)) for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern)
    )


def dockerignored(path: str) -> bool:
    """Whether the build context leaves ``path`` out (Docker's rules: last match wins)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        regex = dockerignore_regex(pattern.lstrip("!").strip("/"))
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        "requirements.lock",
        "wsgi.py",
        "babel.cfg",
        "saas/__init__.py",
        "saas/templates/base.html",
        "migrations/env.py",
        "migrations/alembic.ini",
        "migrations/versions/0001_foundation.py",
        "translations/de/LC_MESSAGES/messages.po",
        "tenants/_base/roles.yaml",
    ],
)
def test_dockerignore_keeps_what_the_image_needs(path):
    assert not dockerignored(path)


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        ".venv/bin/python",
        "instance/sozialraum.sqlite",
        "translations/de/LC_MESSAGES/messages.mo",
        "saas/__pycache__/config.cpython-311.pyc",
        "saas/core/__pycache__/db.cpython-311.pyc",
    ],
)
def test_dockerignore_leaves_out_local_state(path):
    assert dockerignored(path)


# --- production refuses insecure configurations ---------------------------------------------

GOOD_SECRET = hashlib.sha256(b"a production secret").hexdigest()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"SAAS_DEBUG": "1"}, "SAAS_DEBUG=1"),
        # long enough but predictable: the length alone is not checked any more
        ({"SECRET_KEY": "s" * 40}, "SECRET_KEY"),
        ({"SECRET_KEY": "password" * 5}, "SECRET_KEY"),
        ({"SAAS_BASE_URL": None}, "SAAS_BASE_URL"),
    ],
)
def test_production_refuses_insecure_config(monkeypatch, overrides, expected):
    for name in OPTION_NAMES:
        monkeypatch.delenv(name, raising=False)
    env = {
        "SAAS_ENV": "production",
        "SECRET_KEY": GOOD_SECRET,
        "REDIS_URL": "redis://r:6379/0",
        "SAAS_BASE_URL": "https://sozialraum.example",
    }
    env.update(overrides)
    for name, value in env.items():
        if value is not None:
            monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError) as error:
        load_config()

    message = str(error.value)
    assert expected in message and "production" in message
    assert "\n" not in message


STARTS = {
    "import wsgi": [sys.executable, "-c", "import wsgi"],
    "flask db upgrade": [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
    "gunicorn": [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "wsgi:app"],
}
NO_SECRET = "SAAS_ENV=production needs SECRET_KEY to be set"


def start_without_secret(argv: list[str]) -> subprocess.CompletedProcess:
    clean_env = {"PATH": os.defpath, "SAAS_ENV": "production"}
    return subprocess.run(argv, cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("start", STARTS)
def test_production_start_without_secret_key_fails_and_says_why(start):
    result = start_without_secret(STARTS[start])
    assert result.returncode != 0
    assert NO_SECRET in result.stderr


@pytest.mark.parametrize("start", ["import wsgi", "flask db upgrade"])
def test_production_start_without_secret_key_says_why_in_one_line(start):
    result = start_without_secret(STARTS[start])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and NO_SECRET in lines[0], result.stderr


# --- .ci/run --------------------------------------------------------------------------------


def test_ci_run_is_a_strict_executable_bash_script():
    script = ROOT / ".ci" / "run"
    text = script.read_text()
    assert os.access(script, os.X_OK)
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    assert (
        'export TEST_DATABASE_URL="${CI_TEST_DATABASE_URL:-'
        'postgresql+psycopg://root@127.0.0.1:5432/test}"' in text
    )
    assert 'export REDIS_URL="${CI_REDIS_URL:-redis://127.0.0.1:6379/15}"' in text
    assert "export SAAS_REQUIRE_SERVICES=1" in text
    assert "rm -rf .venv" in text
    assert "make test" in text


def test_ci_run_runs_the_suite_on_both_backends():
    text = (ROOT / ".ci" / "run").read_text()
    assert "SAAS_TEST_BACKEND=$backend make test" in text
    assert 'start_pass sqlite "$REDIS_URL" -m "\'not postgres\'"' in text
    assert 'start_pass postgresql "${REDIS_URL%/*}/$other_db"' in text
    assert "other_db=$((redis_db == 0 ? 1 : redis_db - 1))" in text  # never the same database
    assert (
        text.index("start_pass postgresql")
        < text.index("\nwait\n")
        < text.index("finish_pass sqlite")
    )
    assert 'finish_pass postgresql "tests on PostgreSQL"' in text
    assert 'phase "no service skips" no_service_skips' in text
