# The one place where commands are spelled out. `make run` and `make test` are the README's contract.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Parallel workers for the test suite; browser tests run in the same pool.
TEST_WORKERS ?= 2

.PHONY: setup run test lint format migrate demo check-deploy clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) manage.py ensure_database
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --print-logins

run: demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: setup
	$(PY) manage.py ensure_database
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-deploy: setup
	DJANGO_SETTINGS_MODULE=crm.production_settings SECRET_KEY=$${SECRET_KEY:-check-deploy-$$(date +%s)-a-long-random-looking-secret-value-0123456789} \
	  ALLOWED_HOSTS=$${ALLOWED_HOSTS:-crm.example.com} $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) .pytest_cache
