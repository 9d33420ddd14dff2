"""The sandbox server: moto in server mode, made to behave like a brand-new AWS account.

This module runs only inside the sandbox's own process (``python -m runbook_lib.sandbox.server``);
the rest of the library reaches it over HTTP, exactly like AWS. moto's defaults differ from a new
account in ways the runbook must not lean on, so this process adjusts moto's backends, which are
plain Python objects here and nowhere else:

- no IAM Identity Center instance exists until the organization exists *and* the console's
  "Enable" click has been simulated (moto pre-creates one in every region);
- root starts with MFA off and one active access key, as a careless new account would, and both
  show in ``iam:GetAccountSummary`` and in the credential report's ``<root_account>`` row.

The console steps that have no API are played through ``POST /_sandbox/console/<step>``; the
sandbox's state is read with ``GET /_sandbox/state`` and cleared with ``POST /_sandbox/reset``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

CONSOLE_STEPS = ("enable-root-mfa", "delete-root-access-keys", "enable-identity-center")
ROOT_ROW_TEMPLATE = (
    "<root_account>,arn:aws:iam::{account}:root,2026-01-01T00:00:00+00:00,not_supported,"
    "2026-01-01T00:00:00+00:00,not_supported,not_supported,{mfa},{key_active},"
    "{key_rotated},N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
)


@dataclass
class AccountState:
    """What a new account has that moto does not model: root's MFA and keys, the console click."""

    root_mfa_enabled: bool = False
    root_access_keys_present: bool = True
    identity_center_region: str | None = None


@dataclass
class SandboxState:
    """All sandbox-only state, per account id; cleared on every reset."""

    accounts: dict[str, AccountState] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def account(self, account_id: str) -> AccountState:
        """Return the account's state, creating the new-account defaults on first use."""
        return self.accounts.setdefault(account_id, AccountState())

    def clear(self) -> None:
        """Forget every account, as a reset of moto forgets every resource."""
        self.accounts.clear()


STATE = SandboxState()


class ConsoleStepRefused(Exception):
    """Raised when a simulated console step is refused, as the real console would refuse it."""


def patch_moto_for_new_accounts() -> None:
    """Make moto's backends start like a brand-new account; called once at server start."""
    from moto.iam.models import AccountSummary, IAMBackend
    from moto.ssoadmin.models import SSOAdminBackend

    original_sso_init = SSOAdminBackend.__init__

    def sso_admin_init_without_instance(self: Any, region_name: str, account_id: str) -> None:
        original_sso_init(self, region_name, account_id)
        self.instances.clear()  # real AWS: none until the console's "Enable" click

    SSOAdminBackend.__init__ = sso_admin_init_without_instance

    original_summary_map = AccountSummary.summary_map.fget

    def summary_map_with_root(self: Any) -> dict[str, Any]:
        summary = dict(original_summary_map(self))
        root = STATE.account(self._iam_backend.account_id)
        summary["AccountMFAEnabled"] = int(root.root_mfa_enabled)
        summary["AccountAccessKeysPresent"] = int(root.root_access_keys_present)
        return summary

    AccountSummary.summary_map = property(summary_map_with_root)

    original_report = IAMBackend.get_credential_report

    def credential_report_with_root(self: Any) -> str:
        report = original_report(self)
        header, _, users = report.partition("\n")
        return f"{header}\n{root_credential_row(self.account_id)}{users}"

    IAMBackend.get_credential_report = credential_report_with_root


def root_credential_row(account_id: str) -> str:
    """Return the credential report's ``<root_account>`` line for the account's sandbox state."""
    root = STATE.account(account_id)
    return ROOT_ROW_TEMPLATE.format(
        account=account_id,
        mfa=str(root.root_mfa_enabled).lower(),
        key_active=str(root.root_access_keys_present).lower(),
        key_rotated="2026-01-01T00:00:00+00:00" if root.root_access_keys_present else "N/A",
    )


def organization_of(account_id: str) -> Any:
    """Return moto's organization that ``account_id`` manages, or None."""
    from moto.organizations.models import organizations_backends

    return organizations_backends[account_id]["aws"].org


def play_console_step(step: str, account_id: str, region: str, *, delay_seconds: float = 0) -> str:
    """Do what the console does for ``step``; return a sentence saying what happened.

    Raises:
        ConsoleStepRefused: when the console would refuse (e.g. Identity Center before the
            organization, or in a second region).
    """
    root = STATE.account(account_id)
    if step == "enable-root-mfa":
        root.root_mfa_enabled = True
        return "Root user: an authenticator app is now registered as its MFA device."
    if step == "delete-root-access-keys":
        root.root_access_keys_present = False
        return "Root user: its access keys are deleted."
    if step == "enable-identity-center":
        return enable_identity_center(account_id, region, root, delay_seconds=delay_seconds)
    raise ConsoleStepRefused(f"Unknown console step {step!r}; known: {', '.join(CONSOLE_STEPS)}.")


def enable_identity_center(
    account_id: str, region: str, root: AccountState, *, delay_seconds: float
) -> str:
    """Create the organization instance of Identity Center, as the console's 'Enable' does."""
    from moto.ssoadmin.models import Instance, ssoadmin_backends

    if organization_of(account_id) is None:
        raise ConsoleStepRefused(
            "There is no organization yet: create it first (step 02 plans and applies it), "
            "then enable IAM Identity Center."
        )
    if root.identity_center_region not in (None, region):
        raise ConsoleStepRefused(
            f"IAM Identity Center is already enabled in {root.identity_center_region}; "
            "an organization has one instance, in one region."
        )
    if root.identity_center_region == region:
        return f"IAM Identity Center was already enabled in {region}."
    root.identity_center_region = region
    backend = ssoadmin_backends[account_id][region]

    def create_instance() -> None:
        if not backend.instances:
            backend.instances.append(Instance(account_id, region))

    if delay_seconds > 0:  # AWS takes a while; lets the runbook's polling be exercised
        threading.Timer(delay_seconds, create_instance).start()
    else:
        create_instance()
    return f"IAM Identity Center: enabled in {region} (organization instance)."


class SandboxApp:
    """WSGI middleware: the ``/_sandbox/*`` control routes in front of moto's own app."""

    def __init__(self, moto_app: Callable[..., Iterable[bytes]]) -> None:
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            status, body = self.handle_control(environ, path[len("/_sandbox/"):])
            payload = json.dumps(body).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        if path == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            with STATE.lock:
                STATE.clear()  # a reset of moto must also reset what moto does not model
        return self.moto_app(environ, start_response)

    def handle_control(self, environ: dict[str, Any], route: str) -> tuple[str, dict[str, Any]]:
        """Serve one control route; return an HTTP status line and a JSON body."""
        from urllib.parse import parse_qs

        query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        method = environ.get("REQUEST_METHOD", "GET")
        account_id = query.get("account", default_account_id())
        if route == "state" and method == "GET":
            with STATE.lock:
                return "200 OK", {"account_id": account_id, **asdict(STATE.account(account_id))}
        if route == "reset" and method == "POST":
            return "200 OK", reset_everything(query.get("seed"))
        if route.startswith("console/") and method == "POST":
            step = route[len("console/"):]
            region = query.get("region", "us-east-1")
            try:
                with STATE.lock:
                    done = play_console_step(
                        step, account_id, region, delay_seconds=float(query.get("delay", "0"))
                    )
            except ConsoleStepRefused as refused:
                return "409 Conflict", {"error": str(refused)}
            return "200 OK", {"done": done}
        return "404 Not Found", {"error": f"No sandbox route {method} /_sandbox/{route}"}


def default_account_id() -> str:
    """Return the account id moto answers as (``MOTO_ACCOUNT_ID`` or moto's default)."""
    from moto.core import DEFAULT_ACCOUNT_ID

    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)


def reset_everything(seed: str | None) -> dict[str, Any]:
    """Clear moto and the sandbox state; with ``seed``, make moto's ids repeatable from here."""
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.models import moto_api_backend

    with STATE.lock:
        moto_api_backend.reset()
        STATE.clear()
        if seed is not None:
            mock_random.seed(int(seed))
    return {"reset": True, "seed": seed}


def serve(host: str, port: int, ready_file: str | None) -> None:
    """Run the sandbox until SIGTERM; write ``{"url", "pid"}`` to ``ready_file`` once listening."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    patch_moto_for_new_accounts()
    app = SandboxApp(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True)
    url = f"http://{host}:{server.server_port}"
    if ready_file:
        temporary = f"{ready_file}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"url": url, "pid": os.getpid()}, handle)
        os.replace(temporary, ready_file)  # the reader never sees half a file
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"Sandbox listening on {url}", flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument("--ready-file", help="where to write the URL once listening")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.ready_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
