# The developer's and CI's commands. Every target creates or refreshes the virtual environment
# itself when it is missing or older than pyproject.toml, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PARAMS ?= runbook.example.yaml

.PHONY: venv chromium run plan test lab rehearse rehearse-lab reference sandbox-stop sandbox-reset clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[sandbox,test]'
	touch $(STAMP)

## Debian's Chromium for tests/browser (Playwright cannot download a browser here; needs root).
chromium:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

## The whole runbook, headless, against the sandbox (unless $(PARAMS) says otherwise).
run: $(STAMP)
	$(BIN)/python -m runbook_lib.runner --params $(PARAMS)

## Every plan, no change.
plan: $(STAMP)
	$(BIN)/python -m runbook_lib.runner --params $(PARAMS) --plan-only

## Every test: library, notebooks (nbval against the seeded sandbox), headless end to end.
test: $(STAMP) chromium
	$(BIN)/python -m pytest

## JupyterLab on the notebooks, with the sandbox already running.
lab: $(STAMP)
	$(BIN)/python -m runbook_lib.lab

## The real-account path rehearsed in the sandbox, headless (README, "Rehearsal"): a new account whose
## root has only the console, the Admin's first profile and sign-in, then every step as the Admin.
rehearse: $(STAMP)
	$(BIN)/python -m runbook_lib.rehearsal

## The same rehearsal account, its console part played, with JupyterLab on it to go on by hand.
rehearse-lab: $(STAMP)
	$(BIN)/python -m runbook_lib.rehearsal lab

## Re-record the reference outputs nbval compares against (seeded sandbox only).
reference: $(STAMP)
	$(BIN)/python tests/make_reference_notebooks.py

## Stop the shared sandbox (the server is `python -m runbook_sandbox`; this is the runbook's client).
sandbox-stop: $(STAMP)
	$(BIN)/python -m runbook_lib.sandbox stop

## A brand-new sandbox account, whole: also removes its AWS CLI config, cached sign-ins, settings.
sandbox-reset: $(STAMP)
	$(BIN)/python -m runbook_lib.sandbox reset

clean:
	rm -rf $(VENV) runs .pytest_cache
