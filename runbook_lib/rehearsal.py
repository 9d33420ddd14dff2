"""A rehearsal of the real-account path, in the sandbox: ``python -m runbook_lib.rehearsal``.

``make rehearse`` runs it headless (CI does the same); ``make rehearse-lab``
(``python -m runbook_lib.rehearsal lab``) prepares the same account, plays the console, and opens
JupyterLab on a copy of the notebooks for a person to go through the rest by hand.

The sandbox runs in ``rehearsal`` mode: a brand-new account whose root has only the console, so
the runbook's fixed sandbox keys are refused as AWS refuses keys it never issued. Then, as on a
real account (README, "A real account"):

1. **The console, as root**: steps 01-02's console parts (MFA on root, its access keys deleted,
   the organization, IAM Identity Center enabled) and the Admin (the user, the
   ``AdministratorAccess`` permission set, its assignment), with the Admin's first-sign-in items;
   then the person reads the account id, the region and the access portal URL off the console.
2. **Step 05 with target ``none``** writes the Admin's profile from those alone, and **step 06
   with target ``none``** signs the Admin in with the device code (the person clicks "Allow").
3. **Every step as the Admin** (``target: profile``, ``profile: admin``): through the AWS CLI
   config file, the token cache, the portal's ``GetRoleCredentials`` and the Admin role's
   credentials, which the sandbox authorizes by the role's policies; the developer signs in with
   a session of their own at step 06.

The runs are the runner's own (``python -m runbook_lib.runner``), in child processes whose
environment is a person's machine pointed at a local endpoint: a home of their own,
``AWS_CONFIG_FILE`` there, and the sandbox's URL as ``AWS_ENDPOINT_URL``, which boto3 honours for
every service. This module never changes its own process's environment. The person's clicks
("Allow" on the sign-in page) are played by ``SignInApprover``; everything else is the runbook's.

It proves the rehearsal when every step after the Admin's sign-in acted as
``assumed-role/AWSReservedSSO_AdministratorAccess_<16 hex>/Admin``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import botocore.exceptions
import yaml

from runbook_lib.aws import error_code, sandbox_context
from runbook_lib.errors import RunbookError, SandboxError
from runbook_lib.sandbox import REHEARSAL_MODE, SandboxClient, start_sandbox

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT_ROOT / "notebooks"
REGION = "us-east-1"
ADMIN_PROFILE = "admin"
ADMIN = {"user_name": "Admin", "given_name": "Grace", "family_name": "Hopper", "email": "grace@example.com"}
"""Who root makes the Admin in the console; step 03 then finds exactly this user."""
DEVELOPER = {
    "developer_name": "ada", "given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.com",
    "services": ["s3", "lambda", "logs"],
}
DEVELOPER_USER = f"{DEVELOPER['developer_name']}-developer"
FIRST_TIME_STEPS = ("05_configure_aws_cli", "06_verify_developer_access")
"""The steps that run before the runbook has any credentials (target ``none``)."""
ADMIN_CALLER = re.compile(r"^arn:aws:sts::\d{12}:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}/Admin$")
"""Who every step after the Admin's sign-in must act as."""
CREDENTIAL_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "RUNBOOK_SANDBOX_URL",
)
"""What a brand-new account's person does not have, and what would lead a run elsewhere."""
RUN_TIMEOUT_SECONDS = 1200


@dataclass(frozen=True)
class ConsoleView:
    """What the person reads off the console for step 05: none of it has an API without credentials."""

    account_id: str
    region: str
    portal_url: str


@dataclass
class RehearsalResult:
    """What the rehearsal did and found.

    Attributes:
        console: What was played in the console as root, one sentence each.
        view: What the person read off the console.
        fixed_keys_answer: The error code the runbook's fixed sandbox keys got ("" if accepted).
        first_time: The first-time runs' steps (the runner's ``summary.json`` ``steps``).
        as_admin: The steps run as the Admin, in the same form.
        run_dirs: The runner's folders (executed notebooks, reports, summaries).
        approved: The sign-ins the person allowed, as ``user: code``.
    """

    console: list[str] = field(default_factory=list)
    view: ConsoleView | None = None
    fixed_keys_answer: str = ""
    first_time: list[dict[str, Any]] = field(default_factory=list)
    as_admin: list[dict[str, Any]] = field(default_factory=list)
    run_dirs: list[Path] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        """What did not go as on a real account, one sentence each (empty: the rehearsal passed)."""
        found = []
        if not self.fixed_keys_answer:
            found.append("The runbook's fixed sandbox keys were accepted: the sandbox is not in rehearsal mode.")
        expected_steps = {
            "first-time": list(FIRST_TIME_STEPS),
            "as the Admin": sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")),
        }
        for phase, steps in (("first-time", self.first_time), ("as the Admin", self.as_admin)):
            if [step["step"] for step in steps] != expected_steps[phase]:
                found.append(f"The {phase} run stopped early: it ran {[step['step'] for step in steps]}.")
            found += [
                f"{step['step']} ({phase}) failed: {step.get('error') or 'its verification did not pass'}"
                for step in steps if not step["succeeded"] or step["report"].get("verified") is not True
            ]
        found += [
            f"{step['step']} acted as {step['report'].get('acted_as') or 'nobody known'}, not as the Admin's role."
            for step in self.as_admin if not ADMIN_CALLER.match(step["report"].get("acted_as", ""))
        ]
        return found

    @property
    def passed(self) -> bool:
        """Return True when every step ran as on a real account, as the Admin after the sign-in."""
        return not self.failures


class SignInApprover:
    """Play the person who opens the sign-in link and clicks "Allow" as ``user``.

    Run it around a run that signs someone in: it approves every sign-in request that appears,
    as a person does who sees the code the notebook shows. Stop it with ``stop()`` or ``with``.
    """

    def __init__(self, sandbox: SandboxClient, user: str, *, poll_seconds: float = 0.25) -> None:
        self.sandbox = sandbox
        self.user = user
        self.poll_seconds = poll_seconds
        self.approved: list[str] = []
        self.errors: list[str] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"approve-as-{user}", daemon=True)

    def __enter__(self) -> SignInApprover:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop watching and wait for the watcher to end."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _watch(self) -> None:
        while not self._stopped.wait(self.poll_seconds):
            try:
                for request in self.sandbox.sign_in_requests():
                    self.sandbox.approve_device(request["user_code"], self.user)
                    self.approved.append(f"{self.user}: {request['user_code']}")
            except SandboxError as error:  # a code that expired meanwhile: keep watching
                self.errors.append(str(error))


def play_console_as_root(sandbox: SandboxClient, *, region: str = REGION) -> list[str]:
    """Play what root does in the console of a new account; return what happened, in sentences.

    Step 01's and 02's console parts, the Admin as step 03's guide says, and the Admin's
    first-sign-in items (invitation, email, MFA) with Identity Center's MFA settings.

    Raises:
        SandboxError: when the console refuses a step.
    """
    admin = ADMIN["user_name"]
    played = [sandbox.play_console_step(step, region=region) for step in (
        "enable-root-mfa", "delete-root-access-keys", "create-organization", "enable-identity-center",
    )]
    played.append(sandbox.play_console_step("create-admin-user", region=region, user=admin, details={
        "email": ADMIN["email"], "given_name": ADMIN["given_name"], "family_name": ADMIN["family_name"],
        "permission_set": "AdministratorAccess", "session_duration": "PT1H",
    }))
    played += [
        sandbox.play_console_step(step, region=region, user=admin)
        for step in ("send-user-invitation", "verify-user-email", "register-user-mfa")
    ]
    played.append(sandbox.play_console_step("configure-identity-center-mfa", region=region))
    return played


def read_console(sandbox: SandboxClient) -> ConsoleView:
    """Read what the person copies from the console into step 05.

    Raises:
        SandboxError: when Identity Center is not enabled yet (no portal URL to read).
    """
    shown = sandbox.dashboard()
    if not shown.get("access_portal_url"):
        raise SandboxError("IAM Identity Center shows no access portal URL yet.", advice="Enable it first.")
    return ConsoleView(shown["account_id"], shown["identity_center_region"], shown["access_portal_url"])


def fixed_keys_answer(sandbox_url: str, *, region: str = REGION) -> str:
    """Return the error code the runbook's fixed sandbox keys get from STS ("" when accepted).

    IAM actions: none (``sts:GetCallerIdentity``).
    """
    try:
        sandbox_context(sandbox_url, region).client("sts").get_caller_identity()
    except botocore.exceptions.ClientError as refused:
        return error_code(refused)
    return ""


def rehearsal_environment(home: Path, endpoint_url: str, base: Mapping[str, str]) -> dict[str, str]:
    """Return the environment of the rehearsal's runs: a person's machine with a local endpoint.

    ``base`` (this process's environment) without credentials or the sandbox's variable, a home
    of its own (so the token cache and the AWS CLI config are the rehearsal's), and the sandbox's
    URL as ``AWS_ENDPOINT_URL``.
    """
    environment = {name: value for name, value in base.items() if name not in CREDENTIAL_VARIABLES}
    environment.update(
        HOME=str(home),
        RUNBOOK_HOME=str(home / ".runbook"),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=endpoint_url,
    )
    return environment


def first_time_parameters(view: ConsoleView) -> dict[str, Any]:
    """Return the parameters of steps 05 and 06 with target ``none``: the Admin's first profile."""
    return {
        "target": "none", "account_id": view.account_id, "region": view.region, "apply": True,
        "simulate_console": False,
        "steps": {
            "05_configure_aws_cli": {"portal_url": view.portal_url, "sso_region": view.region, "admin_profile": ADMIN_PROFILE},
            "06_verify_developer_access": {"developer_profile": ADMIN_PROFILE, "login_timeout_seconds": 120},
        },
    }


def admin_parameters(view: ConsoleView) -> dict[str, Any]:
    """Return the parameters of the whole runbook as the Admin (``target: profile``)."""
    developer = {key: DEVELOPER[key] for key in ("developer_name", "given_name", "family_name", "email", "services")}
    return {
        "target": "profile", "profile": ADMIN_PROFILE, "account_id": view.account_id, "region": view.region,
        "apply": True, "simulate_console": False,
        "steps": {
            "02_enable_identity_center": {"portal_url": view.portal_url},
            "03_create_admin_user": {
                **ADMIN, "confirmed": ["invitation", "email_verified", "mfa_registered", "mfa_settings"],
            },
            "04_create_developer_user": developer,
            "05_configure_aws_cli": {"developer_name": DEVELOPER["developer_name"], "portal_url": view.portal_url},
            "06_verify_developer_access": {"developer_name": DEVELOPER["developer_name"], "login_timeout_seconds": 120},
            "07_set_guardrails": {  # a real account has no example values: the person gives them
                "security_contact_name": f"{ADMIN['given_name']} {ADMIN['family_name']}",
                "security_contact_email": ADMIN["email"], "security_contact_phone": "+1 555 0100",
                "confirmed": ["billing_access", "free_tier_alerts"],  # root's console switches, done
            },
        },
    }


def run_steps(
    parameters: dict[str, Any], *, notebooks: Path, output: Path, environment: Mapping[str, str]
) -> tuple[Path, list[dict[str, Any]]]:
    """Run the runner on ``notebooks`` in a child process; return its folder and its steps.

    Raises:
        RunbookError: when the runner wrote no summary (it failed before any step).
    """
    output.mkdir(parents=True, exist_ok=True)
    params_file = output / "parameters.yaml"
    params_file.write_text(yaml.safe_dump(parameters, sort_keys=False), encoding="utf-8")
    finished = subprocess.run(
        [sys.executable, "-m", "runbook_lib.runner", "--params", str(params_file),
         "--notebooks", str(notebooks), "--output", str(output)],
        env=dict(environment), cwd=str(PROJECT_ROOT), capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS,
    )
    (output / "runner.log").write_text(finished.stdout + finished.stderr, encoding="utf-8")
    summaries = sorted(output.glob("*/summary.json"))
    if not summaries:
        raise RunbookError(
            f"The runner wrote no summary (exit code {finished.returncode}): {finished.stderr.strip()[-800:]}",
            advice=f"Read {output / 'runner.log'}.",
        )
    return summaries[-1].parent, json.loads(summaries[-1].read_text(encoding="utf-8"))["steps"]


def copy_first_time_notebooks(folder: Path) -> Path:
    """Copy the notebooks of the first-time steps (05, 06) into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for step in FIRST_TIME_STEPS:
        shutil.copyfile(NOTEBOOKS / f"{step}.ipynb", folder / f"{step}.ipynb")
    return folder


def rehearse(sandbox: SandboxClient, work_dir: Path, *, base_environment: Mapping[str, str] | None = None) -> RehearsalResult:
    """Rehearse the real-account path on a brand-new sandbox account in rehearsal mode.

    Args:
        sandbox: A sandbox started in ``rehearsal`` mode, with nothing in it yet.
        work_dir: Where the person's home, the notebooks run and the runs' folders go.
        base_environment: The environment the runs start from (this process's by default).

    Raises:
        SandboxError: when the sandbox is not in rehearsal mode, or its console refuses a step.
        RunbookError: when a run fails before writing its summary.
    """
    if sandbox.mode() != REHEARSAL_MODE:
        raise SandboxError(
            f"The sandbox at {sandbox.url} is in {sandbox.mode()} mode: a rehearsal needs one whose root "
            "has only the console.", advice="Start one with `python -m runbook_lib.sandbox start --mode rehearsal`.",
        )
    result = RehearsalResult()
    result.fixed_keys_answer = fixed_keys_answer(sandbox.url)
    result.console = play_console_as_root(sandbox)
    result.view = read_console(sandbox)
    environment = rehearsal_environment(work_dir / "home", sandbox.url, base_environment or os.environ)
    with SignInApprover(sandbox, ADMIN["user_name"]) as person:
        run_dir, result.first_time = run_steps(
            first_time_parameters(result.view), notebooks=copy_first_time_notebooks(work_dir / "first-time-notebooks"),
            output=work_dir / "1-first-time", environment=environment,
        )
    result.run_dirs.append(run_dir)
    result.approved += person.approved
    if len(result.first_time) < len(FIRST_TIME_STEPS) or not all(step["succeeded"] for step in result.first_time):
        return result  # without the Admin's sign-in nothing else can run
    with SignInApprover(sandbox, DEVELOPER_USER) as person:
        run_dir, result.as_admin = run_steps(
            admin_parameters(result.view), notebooks=NOTEBOOKS, output=work_dir / "2-as-admin", environment=environment,
        )
    result.run_dirs.append(run_dir)
    result.approved += person.approved
    return result


def render_rehearsal(result: RehearsalResult, *, seconds: float) -> str:
    """Return the rehearsal's report: the console, who each step acted as, the verdict."""
    lines = ["# Rehearsal of the real-account path (sandbox in rehearsal mode)", "", "Console, as root:"]
    lines += [f"- {sentence}" for sentence in result.console]
    if result.view is not None:
        lines += ["", f"Read off the console: account {result.view.account_id}, IAM Identity Center in "
                  f"{result.view.region}, access portal {result.view.portal_url}."]
    lines += ["", f"The runbook's fixed sandbox keys: {result.fixed_keys_answer or 'ACCEPTED'} (as AWS answers keys it never issued)."]
    lines += [f"Sign-ins allowed by the person: {', '.join(result.approved) or 'none'}."]
    for title, steps in (("First time, no AWS access (target none)", result.first_time),
                         ("As the Admin (target profile, profile admin)", result.as_admin)):
        lines += ["", f"## {title}", "", "| step | acted as | result | verified |", "|---|---|---|---|"]
        lines += [
            f"| {step['step']} | {step['report'].get('acted_as') or '?'} | {'ok' if step['succeeded'] else 'FAILED'} "
            f"| {'yes' if step['report'].get('verified') else 'no'} |"
            for step in steps
        ]
    lines += ["", f"Took {seconds:.0f} s. Runs: {', '.join(str(path) for path in result.run_dirs)}", ""]
    lines += ["PASSED: every step after the Admin's sign-in acted as the Admin's role."] if result.passed else [
        "FAILED:", *(f"- {failure}" for failure in result.failures)]
    return "\n".join(lines) + "\n"


def describe_by_hand(view: ConsoleView, sandbox_url: str) -> str:
    """Return what the person does in JupyterLab, step by step, as on a real account."""
    return "\n".join([
        f"The console is done (root, Admin). The sandbox at {sandbox_url} refuses the runbook's fixed keys.",
        "In JupyterLab, as on a real account (README, 'A real account'):",
        f"  1. 05_configure_aws_cli: target = \"none\", account_id = \"{view.account_id}\",",
        f"     portal_url = \"{view.portal_url}\", sso_region = \"{view.region}\"; Run All, then Apply.",
        "  2. 06_verify_developer_access: target = \"none\", developer_profile = \"admin\"; open the link it",
        f"     shows, sign in as {ADMIN['user_name']} and click Allow.",
        "  3. 00_start_here: target 'profile', profile 'admin'; then 01 to 06 in order (03: "
        f"given_name \"{ADMIN['given_name']}\", family_name \"{ADMIN['family_name']}\", email \"{ADMIN['email']}\"; "
        f"04: developer_name \"{DEVELOPER['developer_name']}\" and the developer's fields; 06 signs in as {DEVELOPER_USER}).",
        "Every step then says it acts as assumed-role/AWSReservedSSO_AdministratorAccess_.../Admin.",
    ])


def open_lab(work_dir: Path, jupyter_arguments: list[str]) -> int:
    """Prepare a rehearsal account and its person's machine, then run JupyterLab on it until it ends.

    The sandbox (rehearsal mode) lives as long as JupyterLab; the notebooks are a copy of the
    project's, under ``work_dir``, with a home of their own (its AWS CLI config and token cache).

    Raises:
        SandboxError: when the sandbox does not start or its console refuses a step.
    """
    from runbook_lib.lab import jupyterlab_command, refresh_working_copy
    from runbook_lib.sandbox import SANDBOX_URL_VARIABLE

    home = work_dir / "home"
    notebooks = work_dir / "notebooks"
    refresh_working_copy(NOTEBOOKS, notebooks)
    with start_sandbox(log_dir=work_dir / "sandbox", mode=REHEARSAL_MODE) as sandbox:
        for sentence in play_console_as_root(sandbox.client):
            print(f"Console, as root: {sentence}")
        print(describe_by_hand(read_console(sandbox.client), sandbox.url))
        environment = rehearsal_environment(home, sandbox.url, os.environ)
        environment[SANDBOX_URL_VARIABLE] = sandbox.url  # target 'sandbox' meets this account, and is refused
        arguments = [f"--ServerApp.root_dir={notebooks}", *jupyter_arguments]
        if os.geteuid() == 0:  # Jupyter refuses to run as root without it (containers, workshops)
            arguments.append("--allow-root")
        try:
            return subprocess.run(jupyterlab_command(arguments), env=environment, cwd=str(notebooks), check=False).returncode
        except KeyboardInterrupt:  # Ctrl-C ends JupyterLab and the rehearsal with it
            return 0


def main(argv: list[str] | None = None) -> int:
    """Rehearse headless on a sandbox of its own (or, with ``lab``, open JupyterLab on one).

    Prints the report; returns 0 only when the rehearsal passed.
    """
    parser = argparse.ArgumentParser(prog="python -m runbook_lib.rehearsal", description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=("headless", "lab"), default="headless",
                        help="headless (the default, as CI) or lab (JupyterLab on a prepared account, by hand)")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "runs", help="where the rehearsal's folder goes")
    args, jupyter_arguments = parser.parse_known_args(argv)
    work_dir = args.output / f"rehearsal-{datetime.datetime.now():%Y-%m-%dT%H-%M-%S}"
    started = time.monotonic()
    try:
        if args.mode == "lab":
            return open_lab(work_dir, jupyter_arguments)
        with start_sandbox(log_dir=work_dir / "sandbox", mode=REHEARSAL_MODE) as sandbox:
            result = rehearse(sandbox.client, work_dir)
    except RunbookError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    report = render_rehearsal(result, seconds=time.monotonic() - started)
    (work_dir / "rehearsal.md").write_text(report, encoding="utf-8")
    print(report)
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
