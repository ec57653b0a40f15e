# Newsroom: `make run` serves the demo newsroom, `make test` runs the whole suite.
# Both set up everything on a fresh clone: virtual environment, packages, .env, database.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
UV_VERSION := 0.13.9
UV := .uv/bin/uv
AXE := node_modules/axe-core/axe.min.js
HOST ?= 127.0.0.1
PORT ?= 8000
EDGE_PORT ?= 8080

.PHONY: run serve serve-edge test fonts bench bench-breakdown lint format lock upgrade mutate clean

# The task worker (webhook deliveries, edge purges) runs beside the server in `run` and `serve`,
# and stops with it (README, "Background work").
WORKER := $(BIN)/python manage.py run_worker --interval 0.5

run: $(INSTALLED) .env fonts
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(WORKER) & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production mode on this machine: DEBUG off, hashed static files, gunicorn. HTTPS stays off so
# it works on http://127.0.0.1:8000; behind TLS set HTTPS=1 (and see the README).
serve: $(INSTALLED) .env fonts
	$(BIN)/python manage.py migrate --noinput
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	export DEBUG=0 HTTPS=$${HTTPS:-0} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-localhost,127.0.0.1}; \
		$(WORKER) & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
		BIND=$${BIND:-$(HOST):$(PORT)} $(BIN)/gunicorn -c gunicorn.conf.py newsroom.wsgi

# `make serve` behind the edge: Varnish on 127.0.0.1:$(EDGE_PORT) in front of gunicorn on
# $(HOST):$(PORT), purged after every write (README, "The edge"). Installs Debian's varnish and
# varnish-modules when missing. Ctrl-C stops both.
serve-edge: $(INSTALLED) .env fonts
	@find /usr/lib -name libvmod_xkey.so 2>/dev/null | grep -q . || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish varnish-modules >/dev/null; }
	$(BIN)/python manage.py migrate --noinput
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	DEBUG=0 HTTPS=$${HTTPS:-0} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-localhost,127.0.0.1} \
		HOST=$(HOST) PORT=$(PORT) EDGE_PORT=$(EDGE_PORT) $(BIN)/python deploy/serve_edge.py

# Load test on PostgreSQL and Redis (bench/README.md). Installs wrk (Debian) when missing.
bench: $(INSTALLED) .env
	@command -v wrk >/dev/null && command -v nginx >/dev/null && find /usr/lib -name libvmod_xkey.so | grep -q . || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light varnish varnish-modules >/dev/null; }
	$(BIN)/python bench/run.py

# Where an uncached article page spends its time, part by part (after `make bench`).
bench-breakdown: $(INSTALLED) .env
	$(BIN)/python bench/breakdown.py

test: $(INSTALLED) .env $(AXE) fonts
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# Share cards draw titles in Debian's DejaVu Sans and WenQuanYi Micro Hei, and set Arabic and
# Hebrew with FriBidi (README, "Share cards"); installed when missing where apt-get can run.
# Without them cards are still drawn, in Pillow's own font (Latin only).
FONT_FILES := /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts:
	@{ ls $(FONT_FILES) && /sbin/ldconfig -p | grep -q libfribidi.so.0; } >/dev/null 2>&1 || \
		{ [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq fonts-dejavu-core fonts-wqy-microhei libfribidi0 >/dev/null; } || \
		echo "Share cards: fonts-dejavu-core, fonts-wqy-microhei or libfribidi0 missing; titles in other scripts than Latin may not show."

# Mutation testing (README, "Development"): slow, so never part of `make test` or CI. Of
# articles/models.py only the visibility rule is mutated. SQLite and local memory, no Redis.
MUTANTS := 'articles.rendering.*' 'articles.feeds.*' 'articles.changes.*' 'newsroom.delivery.*' \
	'feedback.voters.*' \
	'articles.models.x*published*' 'articles.models.x*scheduled*'
mutate: $(INSTALLED)
	rm -rf mutants
	DEBUG=1 DATABASE_URL= CACHE_URL= TEST_REDIS_URL= $(BIN)/mutmut run $(MUTANTS) > mutmut.log; \
		status=$$?; tail -n 3 mutmut.log; $(BIN)/mutmut results --all true | awk -F': ' \
		'$$2 == "not checked" { next } { split($$1, name, ".x"); module = name[1]; \
		gsub(/ /, "", module); total[module]++ } $$2 == "killed" || $$2 == "timeout" { caught[module]++; next } \
		{ print } END { for (m in total) printf "%-20s %4d of %4d caught (%.0f %%)\n", \
		m, caught[m], total[m], 100 * caught[m] / total[m] }'; exit $$status

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# uv installs the packages, pinned with their hashes in uv.lock; it lives apart from .venv,
# which it keeps exactly as the lock says.
$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Newsroom needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m pip install --quiet --target .uv uv==$(UV_VERSION) 2>/dev/null || \
		{ rm -rf .uv && $(PYTHON) -m venv .uv && .uv/bin/python -m pip install --quiet uv==$(UV_VERSION); }

$(INSTALLED): pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --locked --extra dev --python $(PYTHON)
	@touch $@

# After changing dependencies in pyproject.toml: pin them, keeping every other pin.
lock: $(UV)
	$(UV) lock

# Move every pin to the newest release pyproject.toml allows (then run `make test`).
upgrade: $(UV)
	$(UV) lock --upgrade

# axe-core checks accessibility in the browser tests; without npm those tests are skipped.
$(AXE): package.json
	@if command -v npm >/dev/null; then npm install --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the browser accessibility tests will be skipped"; fi

# A local development configuration with a fresh secret key; never committed.
.env:
	@printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote .env for local development (DEBUG=1, a random SECRET_KEY)."

clean:
	rm -rf $(VENV) .uv staticfiles .pytest_cache node_modules mutants mutmut.log
