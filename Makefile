# causalcourse — one command each to set up, test, build and benchmark the course.
# Every target creates .venv (Python 3.11, exact versions from requirements.lock)
# when it is missing or when the lock has changed; nothing preinstalled is assumed.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.causalcourse-installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check
JB     := $(BIN)/jupyter-book

# CPU-only PyTorch for Linux users (TORCH_CPU=1, the default). On Linux x86-64 a plain install
# from PyPI resolves torch's CUDA build and several GB of unpinned nvidia-* wheels that the course
# never uses; PyTorch's CPU wheel index serves the same version as torch==2.13.0+cpu, which the
# lock's torch==2.13.0 matches and pip prefers. macOS wheels on PyPI are CPU-only already.
# .ci/run sets TORCH_CPU=0: no outside index is reachable there (its pip has a local CPU wheel),
# and then the pip command line is exactly what it is without this switch.
# environment.yml carries the same --extra-index-url line for conda users.
TORCH_CPU   ?= 1
TORCH_INDEX := https://download.pytorch.org/whl/cpu
UNAME_S     ?= $(shell uname -s)
ifeq ($(TORCH_CPU)$(UNAME_S),1Linux)
PIP_INDEX := --extra-index-url $(TORCH_INDEX)
else
PIP_INDEX :=
endif

.PHONY: help install test unit lint book book-fresh test-site execute bench doctor doctor-report exercises \
	slides workshop lab lock clean hub hub-bench hub-node

help:
	@echo "make test        create .venv if needed; unit tests, lint and types, notebook tests (nbval; two workers, one notebook each), book build, browser test"
	@echo "make unit        the fast unit tests and doctests (about a minute; skips tests marked slow)"
	@echo "make lint        ruff and mypy on the package (also run by make test)"
	@echo "make book        build the website into _build/html (with the slides and exercise notebooks)"
	@echo "make book-fresh  re-execute every notebook in place, then build the website"
	@echo "make test-site   build the website and check every page in headless Chromium"
	@echo "make execute     re-execute every notebook in place (NB=notebooks/xx.ipynb for one)"
	@echo "make bench       time every notebook in a fresh kernel: seconds and peak memory"
	@echo "make doctor      preflight check of this machine for a workshop"
	@echo "make doctor-report  the same, and write doctor-report.txt to send to the instructor"
	@echo "make lab         open JupyterLab on the chapters with the course environment"
	@echo "make exercises   exercise-only notebooks (solutions removed) in _build/exercises"
	@echo "make slides      one reveal.js deck per chapter in _build/slides (open offline in a browser)"
	@echo "make workshop    regenerate the workshop schedules from plan.yml, the chapters and the bench table"
	@echo "make lock        re-resolve requirements.in into requirements.lock"
	@echo "make hub         a JupyterHub for a class on this machine (export CLASS_PASSWORD first; HUB_PORT=8000)"
	@echo "make hub-bench   memory per learner per chapter through the hub: the capacity table"
	@echo "TORCH_CPU=0      (any target) install PyTorch without its CPU wheel index (default on Linux: with it)"

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 (or run make PYTHON=/path/to/python3.11)"; exit 1; }
	@if [ ! -x $(BIN)/python ] || ! cmp -s requirements.lock $(VENV)/requirements.lock; then \
		echo "== creating $(VENV) with the locked versions (a few minutes, once)"; \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
		$(PIP) install $(strip -qq $(PIP_INDEX)) -r requirements.lock && \
		cp requirements.lock $(VENV)/requirements.lock; \
	fi
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $@

install: $(STAMP)

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" tests causalcourse

lint: $(STAMP)
	$(BIN)/python -m ruff check causalcourse
	$(BIN)/python -m mypy causalcourse

test: $(STAMP) hub-node
	$(BIN)/python -m pytest -n 2 --dist loadfile
	$(MAKE) test-site

# The site build also generates the slide decks and exercise notebooks and publishes them under
# _build/html/slides/ and _build/html/exercises/ (book/_ext/site_fixes.py).
book: $(STAMP) workshop
	rm -rf _build/html _build/.doctrees
	$(JB) build . --builder html -W -n --keep-going
	@test -f _build/html/index.html || { echo "error: _build/html/index.html was not built"; exit 1; }
	@echo "== website built: _build/html/index.html"

# The browser test drives Debian's Chromium; the target installs it when it is missing.
CHROMIUM ?= /usr/bin/chromium
test-site: book
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

doctor-report: $(STAMP)
	$(BIN)/python -m causalcourse doctor --report

# JupyterLab (with jupyterlab-myst, from the lock) on the chapters; its python3 kernel is .venv's.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(LAB_ARGS)

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
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)-lock/bin/pip-compile --quiet --strip-extras $(PIP_INDEX) --no-emit-index-url --no-emit-find-links \
		--no-emit-trusted-host --output-file requirements.lock requirements.in
	sed -i -E 's/^(torch==[0-9.]+)\+cpu$$/\1/' requirements.lock
	@! grep -q '^nvidia-' requirements.lock || { echo "error: the lock lists nvidia-* packages: torch was resolved to a CUDA build"; exit 1; }
	rm -rf $(VENV)-lock

clean:
	rm -rf _build
