# causalcourse — one command each to set up, test, build and benchmark the course.
# Every target creates .venv (Python 3.11, exact versions from requirements.lock)
# when it is missing or when the lock has changed; nothing preinstalled is assumed.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.causalcourse-installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check
JB     := $(BIN)/jupyter-book

.PHONY: help install test unit book book-fresh test-site execute bench doctor exercises slides workshop lock clean hub hub-bench hub-node

help:
	@echo "make test        create .venv if needed; unit tests, notebook tests (nbval), book build, browser test"
	@echo "make book        build the website into _build/html from the committed notebook outputs"
	@echo "make book-fresh  re-execute every notebook in place, then build the website"
	@echo "make test-site   build the website and check every page in headless Chromium"
	@echo "make execute     re-execute every notebook in place (NB=notebooks/xx.ipynb for one)"
	@echo "make bench       time every notebook in a fresh kernel: seconds and peak memory"
	@echo "make doctor      preflight check of this machine for a workshop"
	@echo "make exercises   exercise-only notebooks (solutions removed) in _build/exercises"
	@echo "make slides      one reveal.js deck per chapter in _build/slides (open offline in a browser)"
	@echo "make workshop    regenerate the workshop schedules from plan.yml, the chapters and the bench table"
	@echo "make lock        re-resolve requirements.in into requirements.lock"
	@echo "make hub         a JupyterHub for a class on this machine (export CLASS_PASSWORD first; HUB_PORT=8000)"
	@echo "make hub-bench   memory per learner per chapter through the hub: the capacity table"

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 (or run make PYTHON=/path/to/python3.11)"; exit 1; }
	@if [ ! -x $(BIN)/python ] || ! cmp -s requirements.lock $(VENV)/requirements.lock; then \
		echo "== creating $(VENV) with the locked versions (a few minutes, once)"; \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
		$(PIP) install -qq -r requirements.lock && \
		cp requirements.lock $(VENV)/requirements.lock; \
	fi
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $@

install: $(STAMP)

unit: $(STAMP)
	$(BIN)/python -m pytest tests causalcourse

test: $(STAMP) hub-node
	$(BIN)/python -m pytest
	$(MAKE) test-site

book: $(STAMP) workshop
	rm -rf _build/html _build/.doctrees
	$(JB) build . --builder html -W -n --keep-going
	@test -f _build/html/index.html || { echo "error: _build/html/index.html was not built"; exit 1; }
	@echo "== website built: _build/html/index.html"

# The browser test drives Debian's Chromium; the target installs it when it is missing.
CHROMIUM ?= /usr/bin/chromium
test-site: book slides
	@test -x $(CHROMIUM) || { echo "== installing Chromium (Debian package chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "error: could not install Chromium; install the chromium package or set CHROMIUM=/path/to/chromium"; exit 1; }
	CHROMIUM=$(CHROMIUM) $(BIN)/python tools/site_check.py

execute: $(STAMP)
	$(BIN)/python tools/nbtools.py execute $(NB)

book-fresh: execute book

bench: $(STAMP)
	$(BIN)/python tools/nbtools.py bench $(NB)
	$(BIN)/python tools/workshop.py

doctor: $(STAMP)
	$(BIN)/python -m causalcourse doctor

exercises: $(STAMP)
	$(BIN)/python tools/exercises.py

slides: $(STAMP)
	$(BIN)/python tools/slides.py

workshop: $(STAMP)
	$(BIN)/python tools/workshop.py

# A class on one server (book/workshop/hosting.md). The hub's proxy needs Node.js: `make test`
# and `make hub-bench` install Debian's nodejs and npm when they are missing; `make hub` says so.
HUB_PORT ?= 8000
hub:
	@test -x $(BIN)/python || { echo "error: the course environment is not built ($(BIN)/python is missing); run make install"; exit 1; }
	@cmp -s requirements.lock $(VENV)/requirements.lock || { echo "error: the course environment $(VENV) was built from another requirements.lock; run make install"; exit 1; }
	@$(BIN)/python tools/hub/hub.py serve --port $(HUB_PORT) --course-python $(abspath $(BIN))/python

hub-bench: $(STAMP) hub-node
	$(BIN)/python tools/hub/hub.py bench

hub-node:
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "== installing Node.js (Debian packages nodejs and npm)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } \
		|| { echo "error: could not install Node.js; install Node.js 20 or newer and npm"; exit 1; }
	@node -e 'process.exit(parseInt(process.versions.node) >= 20 ? 0 : 1)' \
		|| { echo "error: node $$(node --version) is too old for the hub's proxy; install Node.js 20 or newer (Debian 12's own nodejs is 18: use NodeSource's package)"; exit 1; }

# Re-resolve the lock with pip-tools in a throwaway venv. torch is pinned as 2.13.0
# (the CPU wheel's local tag "+cpu" is dropped so the lock also installs elsewhere).
lock:
	rm -rf $(VENV)-lock && $(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet pip-tools==7.6.2
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)-lock/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--no-emit-trusted-host --output-file requirements.lock requirements.in
	sed -i -E 's/^(torch==[0-9.]+)\+cpu$$/\1/' requirements.lock
	@! grep -q '^nvidia-' requirements.lock || { echo "error: the lock lists nvidia-* packages: torch was resolved to a CUDA build"; exit 1; }
	rm -rf $(VENV)-lock

clean:
	rm -rf _build
