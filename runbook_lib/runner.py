"""Headless runs: papermill over the numbered notebooks, in order, and the run summary.

``python -m runbook_lib.runner --params runbook.example.yaml [--plan-only]`` runs every
``notebooks/NN_*.ipynb`` with the parameters from the YAML file, keeps each executed notebook
(the failing one too) and a summary in a timestamped folder, and exits non-zero when a step fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runbook_lib import errors
from runbook_lib.errors import InputError, RunbookError

DEFAULT_PARAMETERS = {"target": "sandbox", "apply": True, "simulate_console": True}
"""A headless run with no parameters file: the whole runbook in the sandbox, console steps played."""
COMMON_PARAMETERS = ("target", "profile", "region", "account_id", "simulate_console")
"""Top-level keys of the parameters file; each goes to every notebook that declares it."""
RUNNER_PARAMETERS = ("headless", "apply", "summary_file")
"""Set by the runner itself, never by the file."""
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class StepOutcome:
    """How one notebook's run ended, with its report when it wrote one.

    Attributes:
        waiting: The step could not plan because an earlier step is not applied yet (a
            ``PrerequisiteMissingError``): in a plan-only run that ends the run, not as a failure.
    """

    step: str
    notebook: str
    succeeded: bool
    report: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    waiting: bool = False


def load_parameters(path: Path | None) -> dict[str, Any]:
    """Read the parameters file: common keys at the top, per-step keys under ``steps``.

    Raises:
        InputError: for an unknown key, or a file that is not a YAML mapping.
    """
    if path is None:
        return dict(DEFAULT_PARAMETERS)
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict):
        raise InputError("params", str(path), "must be a YAML mapping of parameter names to values")
    loaded = {**DEFAULT_PARAMETERS, **loaded}
    unknown = sorted(set(loaded) - set(COMMON_PARAMETERS) - {"apply", "steps"})
    if unknown:
        raise InputError(unknown[0], loaded[unknown[0]], f"unknown parameter; known: {', '.join(COMMON_PARAMETERS + ('apply', 'steps'))}")
    steps = loaded.get("steps") or {}
    if not isinstance(steps, dict):
        raise InputError("steps", steps, "must map notebook names (e.g. 02_enable_identity_center) to parameters")
    return loaded


def find_notebooks(folder: Path) -> list[Path]:
    """Return the step notebooks, ``NN_verb_object.ipynb``, in order."""
    return sorted(path for path in folder.glob("[0-9][0-9]_*.ipynb"))


def parameters_for(notebook: Path, loaded: dict[str, Any], *, apply: bool, summary_file: Path) -> dict[str, Any]:
    """Return the parameters to inject into ``notebook``: only those its parameters cell declares."""
    import papermill

    declared = set(papermill.inspect_notebook(str(notebook)))
    step = notebook.stem
    wanted: dict[str, Any] = {key: loaded[key] for key in COMMON_PARAMETERS if key in loaded}
    per_step = (loaded.get("steps") or {}).get(step) or {}
    unknown = sorted(set(per_step) - declared)
    if unknown:
        raise InputError(f"steps.{step}.{unknown[0]}", per_step[unknown[0]], f"{step} has no such parameter; it has: {', '.join(sorted(declared))}")
    wanted.update(per_step)
    wanted.update(headless=True, apply=apply, summary_file=str(summary_file))
    return {key: value for key, value in wanted.items() if key in declared}


def run_notebook(notebook: Path, output: Path, parameters: dict[str, Any]) -> StepOutcome:
    """Execute one notebook with papermill; the executed copy is kept even when it fails."""
    import papermill

    step = notebook.stem
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name="python3",
            cwd=str(notebook.parent), progress_bar=False, log_output=False,
        )
    except papermill.PapermillExecutionError as failure:
        return StepOutcome(
            step, output.name, False, error=f"{failure.ename}: {failure.evalue}",
            waiting=is_prerequisite_error(failure.ename),
        )
    return StepOutcome(step, output.name, True)


def is_prerequisite_error(error_name: str) -> bool:
    """Return True when ``error_name`` names one of our ``PrerequisiteMissingError`` classes."""
    found = getattr(errors, error_name, None)
    return isinstance(found, type) and issubclass(found, errors.PrerequisiteMissingError)


def render_summary(outcomes: list[StepOutcome], *, target: str) -> str:
    """Return the run summary as a Markdown table plus one line per error."""
    lines = [
        f"# Run summary (target: {target})", "",
        "| step | acted as | result | planned | applied | left for the console | verified | AWS reads | AWS writes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        report = outcome.report
        verified = {True: "yes", False: "no", None: "not run"}[report.get("verified")]
        result = "ok" if outcome.succeeded else ("waits for an earlier step" if outcome.waiting else "FAILED")
        lines.append(
            f"| {outcome.step} | {report.get('acted_as') or '?'} | {result} | {len(report.get('planned', []))} "
            f"| {len(report.get('applied', []))} | {len(report.get('pending_console_steps', []))} | {verified} "
            f"| {report.get('read_calls', '?')} | {report.get('write_calls', '?')} |"
        )
    confirmed = [
        f"- {outcome.step}: {', '.join(key for key, done in outcome.report['confirmations'].items() if done)}"
        for outcome in outcomes if any(outcome.report.get("confirmations", {}).values())
    ]
    if confirmed:
        lines += ["", "Confirmed console steps (no API can tell; played by the sandbox or ticked by you):", *confirmed]
    errors = [f"- {outcome.step}: {outcome.error}" for outcome in outcomes if outcome.error]
    if errors:
        lines += ["", "Errors:", *errors]
    return "\n".join(lines) + "\n"


def run_runbook(
    *,
    notebooks_dir: Path,
    output_root: Path,
    loaded: dict[str, Any],
    plan_only: bool = False,
    now: datetime.datetime | None = None,
) -> tuple[Path, list[StepOutcome]]:
    """Run every notebook in order, stopping at the first failure; write the summary.

    Returns:
        The run's folder and each step's outcome.
    """
    stamp = (now or datetime.datetime.now()).strftime("%Y-%m-%dT%H-%M-%S")
    run_dir = output_root / stamp
    run_dir.mkdir(parents=True, exist_ok=False)
    apply = bool(loaded.get("apply", True)) and not plan_only
    outcomes = []
    for notebook in find_notebooks(notebooks_dir):
        report_file = run_dir / "reports" / f"{notebook.stem}.json"
        parameters = parameters_for(notebook, loaded, apply=apply, summary_file=report_file)
        outcome = run_notebook(notebook, run_dir / notebook.name, parameters)
        if report_file.exists():
            outcome.report = json.loads(report_file.read_text(encoding="utf-8"))
        outcomes.append(outcome)
        if not outcome.succeeded:
            break  # later steps build on this one
    summary = {
        "target": loaded.get("target", "sandbox"), "apply": apply,
        "steps": [vars(outcome) for outcome in outcomes],
    }
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (run_dir / "summary.md").write_text(render_summary(outcomes, target=summary["target"]), encoding="utf-8")
    return run_dir, outcomes


def main(argv: list[str] | None = None) -> int:
    """Run the runbook headless; print the summary; return 0 only when every step succeeded."""
    parser = argparse.ArgumentParser(description="Run the runbook's notebooks headless, in order.")
    parser.add_argument("--params", type=Path, help="YAML parameters file (see runbook.example.yaml)")
    parser.add_argument("--plan-only", action="store_true", help="show every plan, change nothing")
    parser.add_argument("--notebooks", type=Path, default=PROJECT_ROOT / "notebooks")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "runs", help="where run folders go")
    args = parser.parse_args(argv)
    try:
        loaded = load_parameters(args.params)
        if loaded.get("target", "sandbox") == "sandbox":
            from runbook_lib.sandbox import SANDBOX_URL_VARIABLE, ensure_sandbox

            # Kernels inherit this: every notebook acts on the same sandbox account.
            os.environ[SANDBOX_URL_VARIABLE] = ensure_sandbox().url
        run_dir, outcomes = run_runbook(
            notebooks_dir=args.notebooks, output_root=args.output, loaded=loaded, plan_only=args.plan_only
        )
    except RunbookError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print((run_dir / "summary.md").read_text(encoding="utf-8"))
    print(f"Executed notebooks and the summary are in {run_dir}")
    if loaded.get("target", "sandbox") == "sandbox":
        print(f"The sandbox keeps running at {os.environ['RUNBOOK_SANDBOX_URL']} (stop it: make sandbox-stop).")
    return 0 if run_succeeded(outcomes, plan_only=args.plan_only or not loaded.get("apply", True)) else 1


def run_succeeded(outcomes: list[StepOutcome], *, plan_only: bool) -> bool:
    """Return True when every step succeeded; in a plan-only run a step may instead wait for an
    earlier step's changes (it cannot plan before they exist)."""
    return all(outcome.succeeded or (plan_only and outcome.waiting) for outcome in outcomes)


if __name__ == "__main__":
    sys.exit(main())
