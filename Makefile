# Newsroom: `make run` and `make test` are all the set-up a fresh machine needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CORPUS ?= ../shared/corpus
SAMPLE_SITE ?= $(CORPUS)/everyday-powerapps
SEED ?= $(CORPUS)/seed
PG_URL ?= postgres://postgres@127.0.0.1:5432/newsroom
HOST ?= 127.0.0.1
PORT ?= 8000

# The laptop targets run with DEBUG on; without DJANGO_DEBUG=1 Newsroom is in production
# mode and refuses to start without a real DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
# (pytest.ini sets it too, for a bare `python -m pytest`.)
run test test-pg test-browser: export DJANGO_DEBUG = 1

.PHONY: venv run test test-pg test-browser check-deploy fuzz mutate bench bench-import bench-web bench-admin wrk browser-deps clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Debian's Chromium and its driver, for the browser tests (no browser download).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "Installing Debian's chromium and chromium-driver"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

run: venv
	$(PY) manage.py migrate --noinput
	@if [ -d "$(SAMPLE_SITE)" ]; then $(PY) manage.py import_frontmatter "$(SAMPLE_SITE)" || true; \
	else echo "No sample site at $(SAMPLE_SITE): starting with an empty database"; fi
	@if [ -d "$(SEED)" ]; then $(PY) manage.py import_frontmatter "$(SEED)" || true; fi
	$(PY) manage.py create_demo_editor
	$(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite on SQLite (browser tests included). With DATABASE_URL set to a
# postgres:// URL, the same suite runs on PostgreSQL.
test: venv browser-deps
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-pg: venv browser-deps
	DATABASE_URL=$(PG_URL) $(PY) -m pytest -p no:cacheprovider --create-db $(PYTEST_ARGS)

test-browser: venv browser-deps
	$(PY) -m pytest -p no:cacheprovider -m browser $(PYTEST_ARGS)

# Issue 9: inputs written to break the importer, for longer than make test runs them.
# Hypothesis: NEWSROOM_FUZZ_EXAMPLES front matters through the real importer and exporter
# (make test runs 300); then libFuzzer (atheris) on the parser, writer and storage codec
# from raw bytes, seeded with tests/fixtures. Each stage stops after FUZZ_SECONDS; a
# failing input is kept (.hypothesis/, fuzz-artifacts/) and the target fails.
FUZZ_SECONDS ?= 300
FUZZ_EXAMPLES ?= 20000

fuzz: venv
	$(PY) -m pip install --quiet -r requirements-fuzz.txt
	NEWSROOM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) timeout --signal=INT $(FUZZ_SECONDS) \
		$(PY) -m pytest -p no:cacheprovider -q tests/test_generative.py; \
		status=$$?; if [ $$status -ne 0 ] && [ $$status -ne 124 ] && [ $$status -ne 2 ]; then exit $$status; fi
	mkdir -p fuzz-corpus fuzz-artifacts
	find tests/fixtures -type f -size -20k \( -name '*.md' -o -name '*.html' -o -name '*.yaml' -o -name '*.txt' \) \
		-exec cp {} fuzz-corpus/ \;
	$(PY) tests/fuzz_frontmatter.py fuzz-corpus -max_total_time=$(FUZZ_SECONDS) -max_len=20000 \
		-rss_limit_mb=2048 -artifact_prefix=fuzz-artifacts/

# Issue 15: mutation testing of the core (mutation/targets.toml: module -> functions and
# the tests that cover them) with mutmut 3, one worker at the lowest priority; not in CI.
# MUTATE=importer limits the run to modules; `mutation/run.py --report` prints the scores.
MUTATE ?=

mutate: venv
	$(PY) -m pip install --quiet -r requirements-mutate.txt
	DJANGO_DEBUG=1 $(PY) mutation/run.py $(MUTATE)

check-deploy: venv
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') \
		DJANGO_ALLOWED_HOSTS=news.example.org $(PY) manage.py check --deploy --fail-level WARNING

# Every benchmark, one after the other (each prints its figures and ratios, writes them
# to bench/out/ as JSON and compares them with the run recorded in bench/results/;
# RECORD=1 makes this run the recorded one). See bench/README.md.
RECORD ?=
RECORD_FLAG = $(if $(RECORD),--record)

bench: bench-import bench-web bench-admin

# Import, re-import and export of a 100,000-item synthetic site against a bare baseline.
bench-import: venv
	$(PY) bench/run.py $(BENCH_ARGS) $(RECORD_FLAG)

# The public site (issue 3): server times at 100,000 items, then gunicorn -w 2 under wrk.
wrk:
	@command -v wrk >/dev/null || { echo "Installing Debian's wrk"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench-web: venv wrk
	$(PY) bench/bench_public.py $(BENCH_WEB_ARGS) $(RECORD_FLAG)
	$(PY) bench/load.py $(LOAD_ARGS) $(RECORD_FLAG)

# The editors' desk (issue 4): queue, changelists, autocomplete with 100,000 items.
bench-admin: venv
	$(PY) bench/bench_admin.py $(BENCH_ADMIN_ARGS) $(RECORD_FLAG)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis staticfiles fuzz-corpus fuzz-artifacts
