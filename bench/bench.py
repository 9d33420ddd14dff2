"""``make bench``: how fast a headless run is, how lookups scale, how much memory a learner needs.

A benchmark that prints figures (Markdown tables), not a test: it asserts nothing and is not part
of ``make test``. Every measured run gets a brand-new sandbox and a home of its own. Sections
(``--only`` picks some):

- ``headless``: ``python -m runbook_lib.runner`` against ``bench/bare_boto3.py`` (the same
  end state, every notebook's, with the essential AWS calls, bare), in pairs on fresh sandboxes, the order alternating: median wall and
  cpu time (the process and its children; the sandbox server excluded for both) and their ratio.
- ``steps``: each step's time and AWS calls, on the first run and on a re-run.
- ``lookups``: the AWS calls and time of step 03's and 04's plan and of 00's status, with
  10 / 1,000 / 10,000 identity-store users and 2 / 20 / 200 permission sets.
- ``memory``: one learner's JupyterLab server, kernel (after a step's first cell) and sandbox,
  resident and private memory.
- ``learners``: N learners at once (1, 5, 10, 20), each with its own sandbox, running the
  runbook headless: median step time and peak memory per learner.

``--checkout PATH`` times another checkout's runner (e.g. the main branch, for a before/after).
Measured processes cache their bytecode, as on a person's machine (``PYTHONDONTWRITEBYTECODE`` is
dropped: else every run would compile the runbook's modules anew, while the bare script's boto3
was compiled at install), in a folder of the bench's own (``PYTHONPYCACHEPREFIX``), filled by
an unmeasured first pair, so that no checkout gets files written into it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

BENCH_DIR = Path(__file__).resolve().parent
PROJECT = BENCH_DIR.parent
sys.path.insert(0, str(PROJECT))

from runbook_lib.sandbox import SandboxClient, SandboxProcess, start_sandbox  # noqa: E402

REGION = "us-east-1"
SECTIONS = ("headless", "steps", "lookups", "memory", "learners")
ISOLATED_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL",
    "RUNBOOK_SANDBOX_URL", "PYTHONDONTWRITEBYTECODE",
)
"""Removed from every measured process: real credentials, a test run's sandbox, no bytecode cache."""
BYTECODE_CACHE = Path(tempfile.gettempdir()) / "runbook-bench-bytecode"
"""Where measured processes cache their bytecode (kept between benches: a warm machine's state)."""


# --------------------------------------------------------------------------------------------
# Running things on fresh sandboxes


@dataclass
class Learner:
    """A home of its own and a brand-new sandbox: what one measured run (or learner) gets."""

    home: Path
    sandbox: SandboxProcess
    checkout: Path

    @property
    def environment(self) -> dict[str, str]:
        """The environment of a process acting as this learner, on its sandbox only."""
        base = {name: value for name, value in os.environ.items() if name not in ISOLATED_VARIABLES}
        return {
            **base,
            "HOME": str(self.home),
            "RUNBOOK_HOME": str(self.home / ".runbook"),
            "AWS_CONFIG_FILE": str(self.home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / ".aws" / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_DEFAULT_REGION": REGION,
            "RUNBOOK_SANDBOX_URL": self.sandbox.url,
            "PYTHONPATH": str(self.checkout),
            "PYTHONPYCACHEPREFIX": str(BYTECODE_CACHE),
        }

    def runner_command(self, output: Path, extra: list[str]) -> list[str]:
        """The headless run of this checkout's notebooks."""
        return [sys.executable, "-m", "runbook_lib.runner", "--notebooks", str(self.checkout / "notebooks"),
                "--output", str(output), *extra]


@contextmanager
def fresh_learner(checkout: Path) -> Iterator[Learner]:
    """Yield a learner with a new home and a new sandbox, its warm-up done; remove both afterwards.

    A sandbox builds its services' apps in the background for about a second once it listens
    (``runbook_sandbox.server.warm_up``): a process timed at once would be timed partly against
    the sandbox's own start, and how much depends on when it makes its first calls. A learner's
    sandbox is already running when they start (``make lab``), so the bench waits for it too.
    """
    home = Path(tempfile.mkdtemp(prefix="runbook-bench-home-"))
    sandbox = start_sandbox(log_dir=home / "sandbox-log")
    try:
        wait_for(sandbox.client.warmed_up, timeout=60)
        yield Learner(home, sandbox, checkout)
    finally:
        sandbox.stop()
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class Timed:
    """One measured process: wall and cpu seconds (its own and its children's), exit code."""

    wall: float
    cpu: float
    returncode: int
    stdout: str = field(repr=False, default="")
    stderr: str = field(repr=False, default="")


def run_timed(command: list[str], environment: dict[str, str]) -> Timed:
    """Run ``command`` to its end; return its wall time and the cpu time of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Not from a checkout: `python -m` would import the runbook from the working folder first.
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, cwd=environment["HOME"], timeout=900)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(wall, cpu, finished.returncode, finished.stdout, finished.stderr)


def require_success(what: str, timed: Timed) -> None:
    """Stop the bench, showing the output, when a measured run failed."""
    if timed.returncode != 0:
        raise SystemExit(f"{what} failed (exit {timed.returncode}):\n{timed.stdout[-3000:]}\n{timed.stderr[-3000:]}")


def latest_run(output: Path) -> Path:
    """Return the run folder the runner made in ``output``."""
    return sorted(path for path in output.iterdir() if path.is_dir())[-1]


def seconds(value: float) -> str:
    """Format seconds for a table."""
    return f"{value:.2f} s"


def megabytes(value: float) -> str:
    """Format bytes as MB for a table."""
    return f"{value / 1e6:.0f} MB"


def table(header: list[str], rows: list[list[str]]) -> str:
    """Return a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# headless: the runner against the bare script


def bench_headless(args: argparse.Namespace) -> None:
    """Print the headless run against the bare script, median of paired runs on fresh sandboxes."""
    bare = [sys.executable, str(BENCH_DIR / "bare_boto3.py")]
    results: dict[str, list[Timed]] = {"runner": [], "bare": []}
    runner_steps: list[str] = []
    for index in range(args.pairs + 1):  # the first pair warms the disk cache and bytecode; not counted
        order = ("runner", "bare") if index % 2 == 0 else ("bare", "runner")
        for which in order:
            with fresh_learner(args.checkout) as learner:
                command = learner.runner_command(learner.home / "runs", args.runner_args) if which == "runner" else bare
                timed = run_timed(command, learner.environment)
                require_success(which, timed)
                if which == "runner":
                    runner_steps = steps_run(latest_run(learner.home / "runs"))
            if index:
                results[which].append(timed)
    runner_wall = statistics.median(run.wall for run in results["runner"])
    runner_cpu = statistics.median(run.cpu for run in results["runner"])
    bare_wall = statistics.median(run.wall for run in results["bare"])
    bare_cpu = statistics.median(run.cpu for run in results["bare"])
    calls = json.loads(results["bare"][-1].stdout)
    print(f"## Headless run vs the bare boto3 script ({args.pairs} pairs, each on a fresh sandbox; median)\n")
    print(table(["", "wall", "cpu"], [
        [f"`python -m runbook_lib.runner {' '.join(args.runner_args)}`".replace(" `", "`"), seconds(runner_wall), seconds(runner_cpu)],
        [f"`bench/bare_boto3.py` ({calls['aws_calls']} AWS calls, {calls['console_steps']} console stand-ins)",
         seconds(bare_wall), seconds(bare_cpu)],
        ["ratio", f"{runner_wall / bare_wall:.1f}x", f"{runner_cpu / bare_cpu:.1f}x"],
    ]))
    print(f"\nNotebooks covered: runner {', '.join(runner_steps)}; bare script {', '.join(calls.get('covers', []))}"
          + ("" if covered_alike(runner_steps, calls.get("covers", [])) else " (NOT THE SAME: the ratio compares unlike runs)"))
    print(f"\nEvery pair's wall time: runner {[round(run.wall, 2) for run in results['runner']]}, "
          f"bare {[round(run.wall, 2) for run in results['bare']]}\n")


def steps_run(run_dir: Path) -> list[str]:
    """Return the numbers of the notebooks a run ran (``00``, ``01``, ...), from its summary."""
    return [step["step"].split("_", 1)[0] for step in json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["steps"]]


def covered_alike(runner_steps: list[str], bare_covers: list[str]) -> bool:
    """Return True when the bare script reaches the end state of every notebook the runner ran, and no more."""
    return sorted(runner_steps) == sorted(bare_covers)


# --------------------------------------------------------------------------------------------
# steps: time and calls per step, first run and re-run


def step_figures(run_dir: Path) -> dict[str, tuple[float, int, int]]:
    """Return each step's (seconds, read calls, write calls) from a run's notebooks and summary."""
    figures = {}
    for step in json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["steps"]:
        notebook = json.loads((run_dir / step["notebook"]).read_text(encoding="utf-8"))
        duration = notebook["metadata"].get("papermill", {}).get("duration") or 0.0
        report = step.get("report", {})
        figures[step["step"]] = (duration, report.get("read_calls", 0), report.get("write_calls", 0))
    return figures


def bench_steps(args: argparse.Namespace) -> None:
    """Print each step's time and AWS calls on a first run and a re-run."""
    with fresh_learner(args.checkout) as learner:
        runs = []
        for name in ("first", "rerun"):
            output = learner.home / name
            timed = run_timed(learner.runner_command(output, args.runner_args), learner.environment)
            require_success(f"the {name} run", timed)
            runs.append((timed, step_figures(latest_run(output))))
    (first_timed, first), (rerun_timed, rerun) = runs
    rows = [
        [step, seconds(first[step][0]), f"{first[step][1]} / {first[step][2]}",
         seconds(rerun.get(step, (0, 0, 0))[0]), f"{rerun.get(step, (0, 0, 0))[1]} / {rerun.get(step, (0, 0, 0))[2]}"]
        for step in first
    ]
    rows.append(["whole run (wall)", seconds(first_timed.wall), f"{sum(v[1] for v in first.values())} / {sum(v[2] for v in first.values())}",
                 seconds(rerun_timed.wall), f"{sum(v[1] for v in rerun.values())} / {sum(v[2] for v in rerun.values())}"])
    print("## Time and AWS calls per step (reads / writes; a step's time is its notebook's, as papermill records it)\n")
    print(table(["step", "first run", "calls", "re-run", "calls"], rows) + "\n")


# --------------------------------------------------------------------------------------------
# lookups: plans and status at scale


def library(module: str, name: str) -> Callable[..., Any] | None:
    """Return ``module.name`` from the library on this branch, or None (printing why) if it moved."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as missing:
        print(f"- skipped: `{module}.{name}` is not on this branch ({missing}); "
              "point bench/bench.py's lookups at where the notebooks now call.")
        return None


def seed_identity_store(client: SandboxClient, users: int, permission_sets: int) -> float:
    """Reset the sandbox to a new account with Identity Center, ``users`` users and
    ``permission_sets`` permission sets (none of them the runbook's); return the seconds it took."""
    import boto3

    started = time.perf_counter()
    client.reset()
    session = boto3.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name=REGION)
    session.client("organizations", endpoint_url=client.url).create_organization(FeatureSet="ALL")
    client.play_console_step("enable-identity-center", region=REGION)
    client.crowd(users=users, permission_sets=permission_sets, region=REGION)  # in the sandbox's process
    return time.perf_counter() - started


def measure_calls(ctx: Any, action: Callable[[], Any]) -> tuple[int, float]:
    """Run ``action``; return the AWS calls it made through ``ctx`` and its seconds."""
    before = len(ctx.recorder.calls)
    started = time.perf_counter()
    action()
    return len(ctx.recorder.calls) - before, time.perf_counter() - started


def bench_lookups(args: argparse.Namespace) -> None:
    """Print the calls and time of 03's and 04's plan and of 00's status as the account grows."""
    print("## Lookups as the identity store grows (AWS calls and time; the library's functions as the notebooks call them)\n")
    functions = {
        "sandbox_context": library("runbook_lib.aws", "sandbox_context"),
        "read_caller": library("runbook_lib.target", "read_caller"),
        "require_instance": library("runbook_lib.steps.identity_center", "require_instance"),
        "build_admin_spec": library("runbook_lib.steps.admin_user", "build_admin_spec"),
        "build_developer_spec": library("runbook_lib.steps.developer_user", "build_developer_spec"),
        "read_access_state": library("runbook_lib.steps.access", "read_access_state"),
        "plan_access": library("runbook_lib.steps.access", "plan_access"),
        "read_step_statuses": library("runbook_lib.steps.status", "read_step_statuses"),
    }
    if None in functions.values():
        return
    specs = {
        "03's plan": functions["build_admin_spec"](
            user_name="Admin", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
            permission_set_name="AdministratorAccess", session_duration_hours=1, group_name="",
        ),
        "04's plan": functions["build_developer_spec"](
            developer_name="ada", given_name="Ada", family_name="Lovelace", display_name="", email="ada@example.com",
            services=["s3", "lambda", "logs"], permission_set_name="DeveloperAccess", session_duration_hours=4, group_name="",
        )[0],
    }
    rows = []
    home = Path(tempfile.mkdtemp(prefix="runbook-bench-home-"))
    with start_sandbox(log_dir=home / "sandbox-log") as sandbox:
        for users, permission_sets in args.scales:
            seeded = seed_identity_store(sandbox.client, users, permission_sets)
            ctx = functions["sandbox_context"](sandbox.url, REGION)
            caller = functions["read_caller"](ctx)
            instance = functions["require_instance"](ctx)
            row = [f"{users:,} users, {permission_sets:,} permission sets", seconds(seeded)]
            for name, spec in specs.items():
                step = "03_create_admin_user" if name.startswith("03") else "04_create_developer_user"
                calls, took = measure_calls(ctx, lambda spec=spec, step=step: functions["plan_access"](
                    step, functions["read_access_state"](ctx, instance, caller.account_id, spec), spec))
                row.append(f"{calls} calls, {seconds(took)}")
            calls, took = measure_calls(ctx, lambda: functions["read_step_statuses"](ctx, caller))
            row.append(f"{calls} calls, {seconds(took)}")
            rows.append(row)
    shutil.rmtree(home, ignore_errors=True)
    print(table(["account", "seeding", "03's plan", "04's plan", "00's status"], rows) + "\n")


# --------------------------------------------------------------------------------------------
# memory: one learner in JupyterLab


def tree_memory(process: Any) -> tuple[int, int, int]:
    """Return (resident, proportional, private) bytes of a process and its descendants."""
    import psutil

    resident = proportional = private = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            info = member.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        resident += info.rss
        proportional += getattr(info, "pss", info.rss)
        private += info.uss
    return resident, proportional, private


KERNEL_WARM_UP = (
    "from runbook_lib.notebook import begin_step\n"
    "import pandas, ipywidgets\n"
    "run = begin_step('00_start_here', headless=True)\n"
)
"""What a learner's kernel holds after a step's first cells: the library, pandas, widgets, a session."""


def bench_memory(args: argparse.Namespace) -> None:
    """Print one learner's memory: JupyterLab's server, one kernel that ran a step's first cells,
    and the sandbox."""
    import psutil
    import urllib.request
    from jupyter_client import BlockingKernelClient

    print("## Memory of one learner (JupyterLab server + one kernel + the sandbox)\n")
    with fresh_learner(args.checkout) as learner:
        environment = learner.environment
        # The sandbox then holds a whole account, as it does once the learner is through the steps.
        require_success("the runbook", run_timed(learner.runner_command(learner.home / "runs", args.runner_args), environment))
        jupyter = learner.home / "jupyter"
        for name in ("config", "runtime", "data"):
            (jupyter / name).mkdir(parents=True)
        environment.update(JUPYTER_CONFIG_DIR=str(jupyter / "config"), JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
                           JUPYTER_DATA_DIR=str(jupyter / "data"), IPYTHONDIR=str(jupyter / "ipython"))
        port, token = free_port(), "bench"
        # JupyterLab as `make lab` starts it (runbook_lib.lab.launch_jupyterlab).
        launch = "import sys; from runbook_lib.lab import launch_jupyterlab; launch_jupyterlab(sys.argv[1:])"
        server = subprocess.Popen(
            [sys.executable, "-c", launch, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={args.checkout / 'notebooks'}", "--allow-root"],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=learner.home,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: api(url, token, "GET", "/api/status") is not None, 60)
            asked = time.perf_counter()
            kernel = api(url, token, "POST", "/api/kernels")
            client = BlockingKernelClient(connection_file=str(jupyter / "runtime" / f"kernel-{kernel['id']}.json"))
            client.load_connection_file()
            client.start_channels()
            client.wait_for_ready(timeout=60)
            answered = time.perf_counter()
            reply = client.execute_interactive(KERNEL_WARM_UP, timeout=120, output_hook=lambda message: None)
            warmed = time.perf_counter()
            printed: list[str] = []
            client.execute_interactive("import os; print(os.getpid())", timeout=30,
                                       output_hook=lambda message: printed.append(message["content"].get("text", "")))
            client.stop_channels()
            if reply["content"]["status"] != "ok":
                raise SystemExit(f"the kernel's warm-up failed: {reply['content']}")
            kernel_pid = int("".join(printed))
            lab = psutil.Process(server.pid)
            lab_only = lab.memory_full_info()
            others = [(process_role(child, kernel_pid), child.memory_full_info()) for child in lab.children(recursive=True)]
            sandbox = tree_memory(psutil.Process(learner.sandbox.process.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
    rows = [["JupyterLab server", megabytes(lab_only.rss), megabytes(lab_only.uss)]]
    rows += [[role, megabytes(memory.rss), megabytes(memory.uss)] for role, memory in others]
    rows.append(["sandbox (moto server, holding the account the runbook made)", megabytes(sandbox[0]), megabytes(sandbox[2])])
    total = (lab_only.rss + sum(m.rss for _, m in others) + sandbox[0], lab_only.uss + sum(m.uss for _, m in others) + sandbox[2])
    rows.append(["one learner, in all", megabytes(total[0]), megabytes(total[1])])
    print(table(["process", "resident (RSS)", "private (USS)"], rows) + "\n")
    print(f"The kernel answered {answered - asked:.2f} s after it was asked for; the step's first cells "
          f"(begin_step, pandas, ipywidgets) took {warmed - answered:.2f} s.\n")


def process_role(process: Any, kernel_pid: int) -> str:
    """Name what one of JupyterLab's processes is there for."""
    command = " ".join(process.cmdline())
    if process.pid == kernel_pid:
        return "kernel (after begin_step, pandas, ipywidgets)"
    return command[:60]


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def api(url: str, token: str, method: str, path: str) -> Any:
    """Call JupyterLab's REST API; return the decoded answer (None when it does not answer yet)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{url}{path}", method=method, headers={"Authorization": f"token {token}"},
                                     data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")
    except (urllib.error.URLError, ConnectionError):
        return None


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    """Wait until ``condition()`` holds, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting after {timeout:.0f} s")
        time.sleep(0.2)


# --------------------------------------------------------------------------------------------
# learners: N headless runs at once


class PeakMemory:
    """Sample, every ``interval`` seconds, the memory of each learner's processes; keep the peak."""

    def __init__(self, roots: list[list[int]], interval: float = 0.25) -> None:
        self.roots = roots
        self.interval = interval
        self.peaks = [(0, 0)] * len(roots)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        """Sample until told to stop: per learner, resident and proportional bytes."""
        import psutil

        while not self.done.is_set():
            for index, pids in enumerate(self.roots):
                resident = proportional = 0
                for pid in pids:
                    try:
                        memory = tree_memory(psutil.Process(pid))
                    except psutil.NoSuchProcess:
                        continue
                    resident += memory[0]
                    proportional += memory[1]
                peak = self.peaks[index]
                self.peaks[index] = (max(peak[0], resident), max(peak[1], proportional))
            self.done.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.done.set()
        self.thread.join()


def bench_learners(args: argparse.Namespace) -> None:
    """Print, for N learners running the runbook headless at once, each on its own sandbox: the
    batch's wall time, the median step time and the peak memory per learner."""
    print("## N learners at once on this machine (each its own sandbox, the whole runbook headless)\n")
    rows = []
    for count in args.learners:
        learners, contexts = [], []
        for _ in range(count):
            context = fresh_learner(args.checkout)
            learners.append(context.__enter__())
            contexts.append(context)
        try:
            started = time.perf_counter()
            processes = [
                subprocess.Popen(learner.runner_command(learner.home / "runs", args.runner_args), env=learner.environment,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=learner.home)
                for learner in learners
            ]
            roots = [[process.pid, learner.sandbox.process.pid] for process, learner in zip(processes, learners)]
            with PeakMemory(roots) as memory:
                failures = [process.wait(timeout=1800) for process in processes]
            wall = time.perf_counter() - started
            if any(failures):
                raise SystemExit(f"{sum(1 for code in failures if code)} of {count} learners' runs failed")
            step_times = [figures[0] for learner in learners for figures in step_figures(latest_run(learner.home / "runs")).values()]
        finally:
            for context in contexts:
                context.__exit__(None, None, None)
        resident = statistics.median(peak[0] for peak in memory.peaks)
        proportional = statistics.median(peak[1] for peak in memory.peaks)
        rows.append([str(count), seconds(wall), seconds(statistics.median(step_times)), seconds(max(step_times)),
                     megabytes(resident), megabytes(proportional)])
    print(table(["learners", "all done after", "median step", "slowest step", "peak per learner (RSS)",
                 "peak per learner (PSS)"], rows))
    print("\nA learner's memory is its runner (and the copy running a notebook) plus its sandbox; PSS shares "
          "pages common to several processes among them.\n")


# --------------------------------------------------------------------------------------------


def parse_scales(text: str) -> list[tuple[int, int]]:
    """Parse ``10x2,1000x20`` into (users, permission sets) pairs."""
    return [tuple(int(part) for part in item.split("x")) for item in text.split(",") if item]  # type: ignore[misc]


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections, comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument("--pairs", type=int, default=7, help="paired runs for the headless figures (after one warm-up pair)")
    parser.add_argument("--checkout", type=Path, default=PROJECT, help="the checkout whose runner and notebooks to time")
    parser.add_argument("--runner-args", default="", help="extra arguments for the runner, e.g. '--engine kernel'")
    parser.add_argument("--scales", type=parse_scales, default=parse_scales("10x2,1000x20,10000x200"),
                        help="identity-store users x permission sets, e.g. 10x2,1000x20,10000x200")
    parser.add_argument("--learners", type=lambda text: [int(n) for n in text.split(",")], default=[1, 5, 10, 20])
    args = parser.parse_args(argv)
    args.runner_args = args.runner_args.split()
    args.checkout = args.checkout.resolve()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    print(f"# make bench: {os.cpu_count()} cores, Python {sys.version.split()[0]}, checkout {args.checkout}\n")
    for name in chosen:
        started = time.perf_counter()
        globals()[f"bench_{name}"](args)
        print(f"({name}: {time.perf_counter() - started:.0f} s to measure)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
