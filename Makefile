# Two commands do all the setup on a fresh machine:
#   make serve   build the site and serve it at http://127.0.0.1:8000
#   make test    run the whole test suite
VENV        ?= .venv
PYTHON      ?= python3
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: serve test install system-deps validate build clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the pinned dependencies change. Plain pip, so torch resolves to the local CPU wheel.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Chromium and CJK fonts for the browser tests (Debian). Skipped when already present.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  echo "installing chromium and fonts-noto-cjk (apt-get)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

validate: install
	$(VENV)/bin/roadmap validate

build: install
	$(VENV)/bin/roadmap build

serve: install
	$(VENV)/bin/roadmap serve

test: install system-deps
	OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 \
	  $(PY) -m pytest -n 2 $(PYTEST_ARGS)

clean:
	rm -rf build
