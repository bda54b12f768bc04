# Sozialraum — `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Development installs requirements-dev.lock (the app's requirements.lock plus the test tools);
# the image installs requirements.lock only.
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.lock | cksum | cut -d' ' -f1)
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
PO := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

UV ?= uv

.PHONY: run test setup db translations extract lint bench lock clean

run: setup db
	@$(FLASK) demo --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT)/"
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

setup: $(STAMP) $(MO)

$(STAMP): requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	rm -f $(VENV)/.installed-*
	touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: $(MO)

db: setup
	$(FLASK) db upgrade

# Re-extract message ids and merge them into the catalogs (developers only).
extract: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

# Re-resolve both lock files from pyproject.toml (developers only; needs uv: pip install uv).
# uv keeps the versions already in each -o file; tests/test_deploy.py checks that the two agree.
lock:
	$(UV) pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements-dev.lock

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/reports.py

clean:
	rm -rf $(VENV) instance/*.sqlite

# Supply chain: bandit over the code, and the lock files against PyPI's vulnerability metadata
# (tools/audit_deps.py says why not pip-audit). Without network the newest vendored snapshot
# security/pypi-vulns-<date>.json is used; the output names the source.
AUDIT_SNAPSHOT ?= $(lastword $(sort $(wildcard security/pypi-vulns-*.json)))
.PHONY: audit
audit: setup
	$(BIN)/bandit -c pyproject.toml -q -r saas scripts tools scripts/backup scripts/restore
	$(BIN)/python tools/audit_deps.py --fallback $(AUDIT_SNAPSHOT)
