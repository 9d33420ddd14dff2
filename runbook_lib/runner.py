"""Headless runs: papermill over the numbered notebooks, in order, and the run summary.

``python -m runbook_lib.runner --params runbook.example.yaml [--plan-only]`` runs every
``notebooks/NN_*.ipynb`` with the parameters from the YAML file, keeps each executed notebook
(the failing one too) and a summary in a timestamped folder, and exits non-zero when a step fails.

Where the platform forks safely (Linux) each notebook runs in-process (``runbook_lib.engine``) in
a forked copy of this process, which has imported papermill, IPython and the notebooks' modules
once, and parsed botocore's data files and service models once: a fresh process per notebook, as a
kernel is, without a kernel's boot and shutdown. ``--engine kernel`` runs each in a Jupyter kernel.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import gc
import json
import os
import pickle
import select
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator


from runbook_lib import errors
from runbook_lib.garbage import collect_garbage_less_often
from runbook_lib.warm_up import (
    defer_iri_grammars, meanwhile_tasks, prepare_in_process_run, prepare_next_context, warm_botocore_models,
)
from runbook_lib.parameters import (
    COMMON_PARAMETERS, load_parameters_file, read_parameter_specs, read_schema, require_valid_parameters,
)
from runbook_lib.errors import InputError, RunbookError

DEFAULT_PARAMETERS = {"target": "sandbox", "apply": True, "simulate_console": True}
"""A headless run with no parameters file: the whole runbook in the sandbox, console steps played."""
EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_NEEDS_YOU, EXIT_AUDIT_FAILED = 0, 1, 2, 3, 4
"""The runner's exit codes: every step done; a step failed; the parameters were refused before
anything ran; a step stopped at a conflict only the person can decide (see the summary); the
audit (08) ran and found a check of high or critical severity failed, so a schedule can tell a
finding in the account from a crash of the runbook."""
EXIT_CODES_HELP = """exit codes:
  0  every step done (with --plan-only: every plan shown)
  1  a step failed (a crash, AWS refused, a check of the step failed): see its executed notebook
  2  refused before anything ran: the parameters file or the target; no AWS call was made
  3  needs you: a step met a conflict only you can decide; the summary lists it
  4  the audit (08_audit_account) found failed checks of high or critical severity: its report says which"""
PROJECT_ROOT = Path(__file__).resolve().parent.parent
AUDIT_FAILED_ERROR = "AuditFailedError"  # audit.verdict's, named: the runner imports none of the audit
IN_PROCESS, KERNEL = "in-process", "kernel"
ENGINES = (IN_PROCESS, KERNEL)
"""How notebooks run: in this process's IPython (each in a forked copy of it, where the platform
forks safely), or each in a Jupyter kernel of its own as papermill does by default."""


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
    needs_you: bool = False
    audit_failed: bool = False


def load_parameters(path: Path | None, notebooks: list[Path] | None = None) -> dict[str, Any]:
    """Read the parameters file and check it whole against the notebooks' parameters cells.

    Nothing runs and no AWS call is made before the whole file is known to be usable: every
    problem (an unknown step or key, a wrong type, a field rule) is listed at once.

    Raises:
        ParametersFileError: for a file that cannot be read as a YAML mapping (file, line, column).
        ParametersError: listing every problem with its field path.
    """
    if path is None:
        return dict(DEFAULT_PARAMETERS)
    loaded = {**DEFAULT_PARAMETERS, **load_parameters_file(path)}
    schema = read_schema(notebooks if notebooks is not None else find_notebooks(PROJECT_ROOT / "notebooks"))
    require_valid_parameters(loaded, schema, source=str(path))
    return loaded


def find_notebooks(folder: Path) -> list[Path]:
    """Return the step notebooks, ``NN_verb_object.ipynb``, in order."""
    return sorted(path for path in folder.glob("[0-9][0-9]_*.ipynb"))


def parameters_for(notebook: Path, loaded: dict[str, Any], *, apply: bool, summary_file: Path) -> dict[str, Any]:
    """Return the parameters to inject into ``notebook``: only those its parameters cell declares.

    The names are read as the parameters file is checked (``read_parameter_specs``: the cell's
    annotated assignments, by ``ast``), not by ``papermill.inspect_notebook``, which reads and
    validates the whole notebook again; tests/test_notebooks.py holds papermill to seeing the same.
    """
    declared = set(read_parameter_specs(notebook))
    step = notebook.stem
    wanted: dict[str, Any] = {key: loaded[key] for key in COMMON_PARAMETERS if key in loaded}
    per_step = (loaded.get("steps") or {}).get(step) or {}
    unknown = sorted(set(per_step) - declared)
    if unknown:
        raise InputError(f"steps.{step}.{unknown[0]}", per_step[unknown[0]], f"{step} has no such parameter; it has: {', '.join(sorted(declared))}")
    wanted.update(per_step)
    wanted.update(headless=True, apply=apply, summary_file=str(summary_file))
    return {key: value for key, value in wanted.items() if key in declared}


def run_notebook(notebook: Path, output: Path, parameters: dict[str, Any], *, engine: str = KERNEL) -> StepOutcome:
    """Execute one notebook with papermill; the executed copy is kept even when it fails.

    Args:
        engine: ``kernel`` (papermill's Jupyter kernel, shut down at once when the notebook is
            done: its outputs are all in by then) or ``in-process`` (in this very process; see
            ``run_notebook_isolated`` for a process of its own).
    """
    import papermill

    step = notebook.stem
    options: dict[str, Any] = {}
    if engine == IN_PROCESS:
        from runbook_lib.engine import register_engine

        options["engine_name"] = register_engine()
    else:
        options["shutdown_kernel"] = "immediate"
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name="python3",
            cwd=str(notebook.parent), progress_bar=False, log_output=False, **options,
        )
    except papermill.PapermillExecutionError as failure:
        return StepOutcome(
            step, output.name, False, error=f"{failure.ename}: {failure.evalue}",
            waiting=is_prerequisite_error(failure.ename), needs_you=failure.ename == errors.NeedsYouError.__name__,
            audit_failed=failure.ename == AUDIT_FAILED_ERROR,
        )
    return StepOutcome(step, output.name, True)


def default_engine() -> str:
    """Return ``in-process`` where this platform forks safely, else ``kernel``."""
    return IN_PROCESS if forks_safely() else KERNEL


def forks_safely() -> bool:
    """Return True where a warmed-up process may fork without exec: Linux.

    macOS can crash a child forked after system frameworks were used (its proxy lookup uses
    them), and Windows cannot fork.
    """
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def run_notebook_isolated(
    notebook: Path, output: Path, parameters: dict[str, Any], *, knowledge: Any = None,
    meanwhile: Iterator[Callable[[], None]] | None = None,
) -> tuple[StepOutcome, Any]:
    """Run one notebook in-process in a forked copy of this process; return its outcome and what
    the run knows as the notebook left it.

    ``knowledge`` is what the earlier notebooks listed, made and read (``aws.RunKnowledge``,
    through ``aws.carry_run``): the copy starts with it, so that a run lists an instance's
    permission sets once, and a notebook does not ask again what the last one read and nothing
    changed since. None: a run's first notebook, which starts with nothing.

    The copy starts with everything this process imported (``prepare_in_process_run``) and
    nothing any earlier notebook did: its variables, environment, working directory, module
    state and botocore's sessions go when it exits, as a kernel's would. Only the outcome and
    the knowledge come back, pickled through a pipe (the answers hold datetimes and bytes; the
    copy is this very program); a copy that dies (a crash, ``os._exit``) is a failed step.
    Ctrl-C reaches the copy, which stops its cell with ``KeyboardInterrupt``; this process
    waits for it and writes the summary.

    ``meanwhile``: tasks this process does while the copy runs (``warm_up.meanwhile_tasks``),
    for the copies after it; taken one at a time, none once the copy has answered, so that the
    next notebook never waits for them. One that fails is skipped: it only made something ready.
    """
    from runbook_lib import aws

    sys.stdout.flush()
    sys.stderr.flush()  # else the copy would print this process's pending output again
    gc.freeze()  # the copy's garbage collector then leaves the inherited objects' pages shared
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's coverage is the notebook's
        os.close(reader)
        collect_garbage_less_often()  # a copy that lives a notebook long
        status = 0
        carried = knowledge if knowledge is not None else aws.RunKnowledge()
        try:
            aws.carry_run(carried)
            outcome = run_notebook(notebook, output, parameters, engine=IN_PROCESS)
        except BaseException as error:  # the parent must hear of any failure, even SystemExit
            outcome = StepOutcome(notebook.stem, output.name, False, error=f"{type(error).__name__}: {error}")
            status = 1
        with os.fdopen(writer, "wb") as pipe:
            pickle.dump({"outcome": vars(outcome), "knowledge": carried}, pipe)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)  # no interpreter shutdown: nothing of the parent's to tear down twice
    gc.unfreeze()
    os.close(writer)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the copy handles Ctrl-C
    try:
        do_while_waiting(meanwhile, reader)
        with os.fdopen(reader, "rb") as pipe:
            answer = pipe.read()
        _, wait_status = os.waitpid(child, 0)
    finally:
        signal.signal(signal.SIGINT, previous)
    if not answer:
        return StepOutcome(
            notebook.stem, output.name, False,
            error=f"RunnerError: the notebook's process ended without an outcome ({describe_wait_status(wait_status)})",
        ), knowledge
    told = pickle.loads(answer)  # noqa: S301 - written by this program's own forked copy, just now
    return StepOutcome(**told["outcome"]), told["knowledge"]


def do_while_waiting(tasks: Iterator[Callable[[], None]] | None, reader: int) -> None:
    """Do ``tasks`` one by one until the copy writing to ``reader`` has answered (or died)."""
    if tasks is None:
        return
    while not select.select([reader], [], [], 0)[0]:
        try:
            task = next(tasks)
        except Exception:  # noqa: BLE001 - no task left, or none to be had: the copies do the work themselves
            return
        try:
            task()
        except Exception:  # noqa: BLE001 - a task only prepares; the copies do the work themselves
            continue


def describe_wait_status(wait_status: int) -> str:
    """Return how a child process ended, in words."""
    if os.WIFSIGNALED(wait_status):
        return f"killed by signal {os.WTERMSIG(wait_status)}"
    return f"exit code {os.waitstatus_to_exitcode(wait_status)}"


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
        result = describe_result(outcome)
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
    decisions = [
        f"- {outcome.step}: {decision}" for outcome in outcomes for decision in outcome.report.get("needs_you", [])
    ]
    if decisions:
        lines += ["", "Needs you (the runbook changes none of these on its own):", *decisions]
    errors = [f"- {outcome.step}: {outcome.error}" for outcome in outcomes if outcome.error]
    if errors:
        lines += ["", "Errors:", *errors]
    return "\n".join(lines) + "\n"


def describe_result(outcome: StepOutcome) -> str:
    """Return how a step ended, in the summary's words."""
    if outcome.succeeded:
        return "ok"
    if outcome.needs_you:
        return "NEEDS YOU"
    if outcome.audit_failed:
        return "AUDIT FOUND SERIOUS FAILURES"
    return "waits for an earlier step" if outcome.waiting else "FAILED"


def run_runbook(
    *,
    notebooks_dir: Path,
    output_root: Path,
    loaded: dict[str, Any],
    plan_only: bool = False,
    now: datetime.datetime | None = None,
    engine: str = "",
) -> tuple[Path, list[StepOutcome]]:
    """Run every notebook in order, stopping at the first failure; write the summary.

    Args:
        engine: ``in-process`` or ``kernel`` (see ``ENGINES``); empty: ``default_engine()``.

    Returns:
        The run's folder and each step's outcome.

    Raises:
        InputError: for ``in-process`` where this platform cannot fork safely.
    """
    engine = engine or default_engine()
    if engine == IN_PROCESS and not forks_safely():
        raise InputError("engine", engine, f"needs a platform that forks safely (Linux); use {KERNEL!r} here")
    stamp = (now or datetime.datetime.now()).strftime("%Y-%m-%dT%H-%M-%S")
    run_dir = output_root / stamp
    run_dir.mkdir(parents=True, exist_ok=False)
    apply = bool(loaded.get("apply", True)) and not plan_only
    outcomes = []
    notebooks = find_notebooks(notebooks_dir)
    defer_iri_grammars()  # before papermill's first import, whichever the engine
    if engine == IN_PROCESS:
        prepare_in_process_run(notebooks)
    knowledge = None  # what the run's notebooks learn, carried from each to the next (in-process)
    meanwhile = meanwhile_tasks(loaded) if engine == IN_PROCESS else None
    for notebook in notebooks:
        report_file = run_dir / "reports" / f"{notebook.stem}.json"
        parameters = parameters_for(notebook, loaded, apply=apply, summary_file=report_file)
        if engine == IN_PROCESS:
            warm_botocore_models([outcome.report for outcome in outcomes])
            prepare_next_context(knowledge)
            outcome, knowledge = run_notebook_isolated(
                notebook, run_dir / notebook.name, parameters, knowledge=knowledge, meanwhile=meanwhile,
            )
        else:
            outcome = run_notebook(notebook, run_dir / notebook.name, parameters, engine=KERNEL)
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
    parser = argparse.ArgumentParser(description="Run the runbook's notebooks headless, in order.",
                                     epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=Path, help="YAML parameters file (see runbook.example.yaml)")
    parser.add_argument("--plan-only", action="store_true", help="show every plan, change nothing")
    parser.add_argument("--notebooks", type=Path, default=PROJECT_ROOT / "notebooks")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "runs", help="where run folders go")
    parser.add_argument(
        "--engine", choices=ENGINES, default=default_engine(),
        help="in-process: each notebook in a forked copy of this process (Linux, the default there); "
        "kernel: each in a Jupyter kernel of its own (papermill's default)",
    )
    args = parser.parse_args(argv)
    collect_garbage_less_often()  # this process only warms up, forks and waits
    try:
        notebooks = find_notebooks(args.notebooks)
        loaded = load_parameters(args.params, notebooks)
        warm_up = prepare_in_process_run if args.engine == IN_PROCESS and forks_safely() else None
        if loaded.get("target", "sandbox") == "sandbox":
            from runbook_lib.sandbox import SANDBOX_URL_VARIABLE

            # Kernels (and forked copies) inherit this: every notebook acts on the same sandbox account.
            os.environ[SANDBOX_URL_VARIABLE] = sandbox_url_while(warm_up, notebooks)
        elif warm_up is not None:
            warm_up(notebooks)
        run_dir, outcomes = run_runbook(
            notebooks_dir=args.notebooks, output_root=args.output, loaded=loaded, plan_only=args.plan_only,
            engine=args.engine,
        )
    except RunbookError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    print((run_dir / "summary.md").read_text(encoding="utf-8"))
    print(f"Executed notebooks and the summary are in {run_dir}")
    if loaded.get("target", "sandbox") == "sandbox":
        print(f"The sandbox keeps running at {os.environ['RUNBOOK_SANDBOX_URL']} (stop it: make sandbox-stop).")
    return exit_code(outcomes, plan_only=args.plan_only or not loaded.get("apply", True))


def sandbox_url_while(warm_up: Callable[[list[Path]], None] | None, notebooks: list[Path]) -> str:
    """Return the URL of the sandbox the run acts on (``ensure_sandbox``: the one named or
    remembered, else a new one), found in a thread while this process warms up for ``notebooks``.

    The two wait on different processes: a sandbox just started builds its services' apps for
    about half a second and answers its first request only between them, and one not running
    yet takes a second to start, while the warm-up is this process's own imports and parsing
    (0.5 s). One after the other, a run on a sandbox just started waited 0.24 s for the
    sandbox's first answer before it began to warm up. The thread has ended before this returns,
    so no thread is running when the run forks. A sandbox that cannot be reached is reported
    once the warm-up is done, as before it (``SandboxError``).
    """
    from runbook_lib.sandbox import ensure_sandbox

    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox") as pool:
        found = pool.submit(ensure_sandbox)
        if warm_up is not None:
            warm_up(notebooks)
        return found.result().url


def exit_code(outcomes: list[StepOutcome], *, plan_only: bool) -> int:
    """Return the run's exit code: ok, needs you (a conflict to decide), the audit's serious
    findings, or failed (see ``EXIT_CODES_HELP``)."""
    if run_succeeded(outcomes, plan_only=plan_only):
        return EXIT_OK
    if any(outcome.needs_you for outcome in outcomes):
        return EXIT_NEEDS_YOU
    if any(outcome.audit_failed for outcome in outcomes):
        return EXIT_AUDIT_FAILED
    return EXIT_FAILED


def run_succeeded(outcomes: list[StepOutcome], *, plan_only: bool) -> bool:
    """Return True when every step succeeded; in a plan-only run a step may instead wait for an
    earlier step's changes (it cannot plan before they exist)."""
    return all(outcome.succeeded or (plan_only and outcome.waiting) for outcome in outcomes)


def exit_at_once(code: int) -> None:
    """End this process with ``code`` once its output is written, skipping the interpreter's
    shutdown: tearing down what the warm-up imported (botocore's models, IPython, papermill) took
    0.4 s of every headless run and did nothing. Every file the run writes is closed by then, and
    the sandbox is a process of its own that keeps running."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_at_once(main())
