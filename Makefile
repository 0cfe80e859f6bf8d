# The one place where commands are spelled out. `make run` and `make test` are the README's contract.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Parallel workers for the test suite; browser tests run in the same pool.
TEST_WORKERS ?= 2

.PHONY: setup test-setup run test lint format migrate demo check-deploy bench clean messages check-messages

# `make run` installs what the app needs; `make test` (and lint) add the test tools.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The translations: .po files in the repository, compiled here (crm.i18n, pure Python).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

locale/%.mo: locale/%.po $(VENV)/.installed
	$(PY) manage.py compile_catalogues

setup: $(VENV)/.installed $(MO_FILES)

test-setup: setup $(VENV)/.test-installed

migrate: setup
	$(PY) manage.py ensure_database
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --print-logins

run: demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: test-setup
	$(PY) manage.py ensure_database
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: test-setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: test-setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Benchmarks on PostgreSQL (DATABASE_URL), in a database of their own: README, "Benchmarks".
# QUICK=1 for the quick run; BENCH_ARGS passes more (e.g. --reuse).
$(VENV)/.bench-installed: $(VENV)/.test-installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) -m bench $(if $(filter 1 yes true,$(QUICK)),--quick) $(BENCH_ARGS)

# The Bahasa Indonesia catalogue (locale/id/LC_MESSAGES/django.po) after strings change in the
# code; both need GNU gettext (apt install gettext). The suite fails on untranslated entries.
messages: setup
	$(PY) manage.py update_catalogues

check-messages: setup
	$(PY) manage.py check_catalogues

check-deploy: setup
	DJANGO_SETTINGS_MODULE=crm.production_settings SECRET_KEY=$${SECRET_KEY:-check-deploy-$$(date +%s)-a-long-random-looking-secret-value-0123456789} \
	  ALLOWED_HOSTS=$${ALLOWED_HOSTS:-crm.example.com} $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) .pytest_cache
