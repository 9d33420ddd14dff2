# The developer's and CI's commands. Every target creates or refreshes the virtual environment
# itself when it is missing or older than pyproject.toml, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PARAMS ?= runbook.example.yaml

# Every Python process these commands start (the runner, each notebook's kernel, the sandbox,
# JupyterLab, the tests' own) keeps the bytecode it compiles (in __pycache__, gitignored), even
# where the shell says to write none (PYTHONDONTWRITEBYTECODE, set on some machines): without it
# each of those processes compiled the runbook's, the sandbox's and the tests' modules anew.
# (A PYTHONPYCACHEPREFIX would do too, but would leave the installed packages' own bytecode
# unused and compile them all again once.)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: venv chromium run plan test bench lab rehearse rehearse-lab reference sandbox-stop sandbox-reset clean

venv: $(STAMP)

# uv (from PyPI, into the venv) installs the packages: on a fresh clone with no download cache
# pip took 38 s, uv 20 s (it fetches and unpacks in parallel). Like pip, it compiles the
# bytecode as it installs (--compile-bytecode, 9 s of the 20, on both cores): otherwise the test
# run's first processes, started side by side, would each compile what they import. The venv
# keeps its pip; tests/test_developer_access.py installs the AWS CLI v1 with this uv too.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'uv>=0.5,<1'
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e '.[sandbox,test]'
	touch $(STAMP)

## Debian's Chromium headless shell for tests/browser (Playwright cannot download a browser here; needs root).
chromium:
	test -x /usr/lib/chromium/chromium-headless-shell || (apt-get update && apt-get install -y chromium-headless-shell)

## The whole runbook, headless, against the sandbox (unless $(PARAMS) says otherwise).
run: $(STAMP)
	$(BIN)/python -m runbook_lib.runner --params $(PARAMS)

## Every plan, no change.
plan: $(STAMP)
	$(BIN)/python -m runbook_lib.runner --params $(PARAMS) --plan-only

## Every test: library, notebooks (nbval against the seeded sandbox), headless end to end.
## In parallel (pytest-xdist): one worker per core, each with its own sandbox and home; a notebook's
## cells and a file with a module-scoped fixture stay on one worker, every other test spreads
## (tests/conftest.py).
## TEST_WORKERS=0 runs them in this process. The 25 slowest tests are listed at the end (where
## `make test`'s minutes go: figures to read, never a pass or a fail).
TEST_WORKERS ?= auto
test: $(STAMP) chromium
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=25

## Figures, not a test: the headless run vs bench/bare_boto3.py, per-step times and calls,
## lookups at scale, one learner's memory, N learners at once (bench/bench.py --help; a few minutes).
## BENCH_ARGS="--only headless,steps" picks sections.
bench: $(STAMP)
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

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
