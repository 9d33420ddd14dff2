"""The sandbox server: moto in server mode, made to behave like a brand-new AWS account.

This module runs only inside the sandbox's own process (``python -m runbook_sandbox``); the
runbook reaches it over HTTP, exactly like AWS. moto's defaults differ from a new
account in ways the runbook must not lean on, so this process adjusts moto's backends, which are
plain Python objects here and nowhere else:

- no IAM Identity Center instance exists until the organization exists *and* the console's
  "Enable" click has been simulated (moto pre-creates one in every region);
- root starts with MFA off and one active access key, as a careless new account would, and both
  show in ``iam:GetAccountSummary`` and in the credential report's ``<root_account>`` row;
- provisioning a permission set creates its ``AWSReservedSSO_*`` role in IAM (``reserved_roles``);
- sso-admin keeps AWS's rules that moto lacks: one permission set per name, and AWS managed
  policies of any path (``job-function/``...) attachable (``aws_rules``);
- ``iam:SimulatePrincipalPolicy``, which moto lacks, is answered (``simulator``);
- EC2 starts without moto's bundled public AMIs (``skip_moto_default_amis``): the runbook reads
  none, and loading them cost about 10 s after every reset;
- ``sso-oidc`` (the device authorization sign-in, ``oidc``) and the SSO portal API (``sso``,
  ``portal``), which moto lacks entirely, are answered at the sandbox's URL, as boto3 calls them
  with ``AWS_ENDPOINT_URL``;
- any other call moto does not implement is refused as AWS refuses a request it does not serve
  (HTTP 501, code ``NotImplemented``, in the request's protocol: ``not_implemented``), never with
  moto's HTML error page;
- credentials from the access portal (and any other moto issued) get only what their role's or
  user's policies allow, and in ``--mode rehearsal`` the runbook's fixed sandbox keys are refused
  as AWS refuses keys it never issued (``permissions``).

The console steps that have no API are played through ``POST /_sandbox/console/<step>``
(``console``) and asked about with ``GET /_sandbox/console/<step>``; a person's "Allow" of a
sign-in is played through
``POST /_sandbox/console/approve-device?user_code=...&user=...`` (or in a browser on
``GET /_sandbox/device``); the sandbox's state is read with ``GET /_sandbox/state`` and cleared with
``POST /_sandbox/reset``; ``POST /_sandbox/sign-in/settings`` shortens the sign-in's lifetimes;
``POST /_sandbox/crowd?users=N&permission_sets=M`` fills Identity Center for lookups at scale (``crowd``).
``GET /_sandbox/dashboard`` shows what the console shows (the access portal URL),
``GET /_sandbox/sign-in/requests`` the sign-ins waiting for a person's "Allow", and, sandbox only
with nothing like it on AWS, ``POST /_sandbox/role-credentials?role_name=...&session_name=...``
mints a reserved role's credentials without a sign-in (for tests and step 04's sandbox proof);
``GET /_sandbox/warmed-up`` says whether the apps built in the background at the start are built.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from runbook_sandbox import oidc, permissions, portal
from runbook_sandbox.aws_rules import enforce_aws_rules
from runbook_sandbox.calls import identify_call, prepare_to_identify
from runbook_sandbox.crowd import crowd_account
from runbook_sandbox.deprovisioning import remove_reserved_roles_on_deletion
from runbook_sandbox.guardrail_calls import answer_guardrail_call, clear_guardrail_state
from runbook_sandbox.not_implemented import ServiceNotInMoto, is_missing_route, not_implemented_answer
from runbook_sandbox.console import (
    STATE,
    ConsoleStepRefused,
    describe_account,
    describe_dashboard,
    is_step_played,
    play_console_step,
)
from runbook_sandbox.reserved_roles import provision_reserved_role
from runbook_sandbox.rest_json import (
    BEARER_TOKEN_ENVIRON,
    BEARER_TOKEN_HEADER,
    Answer,
    ApiRequest,
    ServiceError,
    error_answer,
    read_request,
)
from runbook_sandbox.simulator import answer_simulation, read_query_parameters

SIGN_IN_ROUTES: dict[tuple[str, str], tuple[Callable[[ApiRequest], Answer], str]] = {
    # (method, path) as botocore's service models route them: (operation, error namespace)
    ("POST", "/client/register"): (oidc.register_client, oidc.ERROR_NAMESPACE),
    ("POST", "/device_authorization"): (oidc.start_device_authorization, oidc.ERROR_NAMESPACE),
    ("POST", "/token"): (oidc.create_token, oidc.ERROR_NAMESPACE),
    ("GET", "/assignment/accounts"): (portal.list_accounts, portal.ERROR_NAMESPACE),
    ("GET", "/assignment/roles"): (portal.list_account_roles, portal.ERROR_NAMESPACE),
    ("GET", "/federation/credentials"): (portal.get_role_credentials, portal.ERROR_NAMESPACE),
    ("POST", "/logout"): (portal.logout, portal.ERROR_NAMESPACE),
}
"""sso-oidc's and the SSO portal's operations: unsigned (botocore never signs them, credentials or
not), so spotted by method and path; a signed request on these paths is another service's (an S3
bucket named ``token``, say) and goes to moto."""

ROOT_ROW_TEMPLATE = (
    "<root_account>,arn:aws:iam::{account}:root,2026-01-01T00:00:00+00:00,not_supported,"
    "2026-01-01T00:00:00+00:00,not_supported,not_supported,{mfa},{key_active},"
    "{key_rotated},N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
)


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

    original_provision = SSOAdminBackend.provision_permission_set

    def provision_permission_set_with_role(self: Any, instance_arn: str, permission_set_arn: str) -> None:
        permission_set = self._find_permission_set(instance_arn, permission_set_arn)
        provision_reserved_role(permission_set, self.account_id, self.region_name)  # AWS: the role
        provisioned = [
            entry
            for instance in self.instances if instance.instance_arn == instance_arn
            for entry in instance.provisioned_permission_sets
        ]
        if permission_set not in provisioned:  # moto would list it once per provisioning
            original_provision(self, instance_arn, permission_set_arn)

    SSOAdminBackend.provision_permission_set = provision_permission_set_with_role


def root_credential_row(account_id: str) -> str:
    """Return the credential report's ``<root_account>`` line for the account's sandbox state."""
    root = STATE.account(account_id)
    return ROOT_ROW_TEMPLATE.format(
        account=account_id,
        mfa=str(root.root_mfa_enabled).lower(),
        key_active=str(root.root_access_keys_present).lower(),
        key_rotated="2026-01-01T00:00:00+00:00" if root.root_access_keys_present else "N/A",
    )


class SandboxApp:
    """WSGI middleware: the ``/_sandbox/*`` control routes in front of moto's own app."""

    def __init__(self, moto_app: Any) -> None:
        """Wrap ``moto_app``, moto's ``DomainDispatcherApplication`` (whose apps are asked for
        by request, so that a call moto lacks can be told apart from one it answers)."""
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith("/_sandbox/console/"):  # the billing switches only the console has
            switch = answer_guardrail_call(environ, default_account_id())
            if switch is not None:
                return answer_with(start_response, switch)
        if path == "/_sandbox/device":
            status, headers, page = self.handle_device_page(environ)
            start_response(status, headers)
            return [page]
        if path.startswith("/_sandbox/"):
            status, body = self.handle_control(environ, path[len("/_sandbox/"):])
            payload = json.dumps(body).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        route = SIGN_IN_ROUTES.get((method, path))
        if route is not None and "HTTP_AUTHORIZATION" not in environ:  # signed: another service's
            status, headers, answer = self.handle_sign_in(environ, *route)
            start_response(status, headers)
            return [answer]
        if path == "/moto-api/reset" and method == "POST":
            with STATE.lock:
                clear_sandbox_state()  # a reset of moto must also reset what moto does not model
        form = read_query_parameters(environ) or {}  # reads a form body, and leaves it for moto
        refused = permissions.authorize(environ, form, default_account_id())
        if refused is not None:
            return answer_with(start_response, refused)
        guardrail = answer_guardrail_call(environ, default_account_id())  # steps 07-99's calls moto lacks
        if guardrail is not None:  # after the access control: these calls are granted as any other
            return answer_with(start_response, guardrail)
        simulated = answer_simulation(environ)
        if simulated is not None:
            status, xml = simulated
            start_response(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(xml)))])
            return [xml]
        return self.call_moto(environ, start_response)

    def call_moto(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Pass the request to moto; answer a call moto does not implement as AWS refuses one.

        A service whose moto backend needs a package the sandbox does not install (API Gateway and
        CloudFormation need ``openapi_spec_validator``) counts as one moto does not implement.

        moto's answer is held until it is known not to be its page for a missing REST route (its
        Flask apps never use WSGI's ``write``, so holding the status and headers loses nothing).
        """
        form = read_query_parameters(environ) or {}  # before moto reads the body: its Action
        try:
            app = self.moto_app.get_application(environ)
        except ServiceNotInMoto:
            return answer_with(start_response, not_implemented_answer(identify_call(environ, form, None)))
        except ImportError:  # moto has the service, but its backend needs a package not installed here
            return answer_with(start_response, not_implemented_answer(identify_call(environ, form, None)))
        held: list[tuple[str, list[tuple[str, str]]]] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            held.append((status, headers))

            def write(data: bytes) -> None:
                raise RuntimeError("moto's apps were expected never to use WSGI's write()")

            return write

        try:
            body = app(environ, hold)
        except NotImplementedError:  # moto has the service, not the operation
            return answer_with(start_response, not_implemented_answer(identify_call(environ, form, app.service)))
        status, headers = held[-1]
        if is_missing_route(status, headers):
            getattr(body, "close", lambda: None)()
            return answer_with(start_response, not_implemented_answer(identify_call(environ, form, app.service)))
        start_response(status, headers)
        return body

    def handle_sign_in(
        self, environ: dict[str, Any], operation: Callable[[ApiRequest], Answer], namespace: str
    ) -> Answer:
        """Serve one sso-oidc or SSO portal operation, its errors as the service writes them."""
        try:
            return operation(read_request(environ, default_account_id()))
        except ServiceError as error:
            return error_answer(error, namespace)

    def handle_device_page(self, environ: dict[str, Any]) -> Answer:
        """Serve the access portal's stand-in: the page to allow or deny a sign-in request."""
        request = read_request(environ, default_account_id())
        if request.method == "POST":
            form = {key: values[-1] for key, values in parse_qs(request.body.decode("utf-8", "replace")).items()}
            return oidc.submit_device_page(form)
        return oidc.device_page(request.query.get("user_code", ""))

    def handle_control(self, environ: dict[str, Any], route: str) -> tuple[str, dict[str, Any]]:
        """Serve one control route; return an HTTP status line and a JSON body."""
        query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        method = environ.get("REQUEST_METHOD", "GET")
        account_id = query.get("account", default_account_id())
        if route == "state" and method == "GET":
            with STATE.lock:
                return "200 OK", {**describe_account(account_id), "mode": permissions.ACCESS.mode}
        if route == "warmed-up" and method == "GET":
            return "200 OK", {"warmed_up": WARMED_UP.is_set()}
        if route == "dashboard" and method == "GET":
            with STATE.lock:
                return "200 OK", describe_dashboard(account_id)
        if route == "sign-in/requests" and method == "GET":
            return "200 OK", {"requests": oidc.pending_requests()}
        if route == "role-credentials" and method == "POST":
            try:
                return "200 OK", portal.mint_reserved_role_credentials(
                    account_id, query.get("role_name", ""), query.get("session_name", ""),
                    query.get("region", "us-east-1"),
                )
            except LookupError as missing:
                return "404 Not Found", {"error": str(missing)}
        if route == "reset" and method == "POST":
            return "200 OK", reset_everything(query.get("seed"))
        if route == "crowd" and method == "POST":  # many users and permission sets, for lookups at scale
            try:
                with STATE.lock:
                    return "200 OK", crowd_account(
                        account_id, query.get("region", "us-east-1"),
                        users=int(query.get("users", "0")), permission_sets=int(query.get("permission_sets", "0")),
                    )
            except ValueError as refused:  # CrowdRefused, or a count that is not a number
                return "400 Bad Request", {"error": str(refused)}
        if route == "console/approve-device" and method == "POST":
            try:
                done = oidc.approve_device(
                    query.get("user_code", ""), query.get("user", ""), deny=query.get("deny") == "true"
                )
            except ConsoleStepRefused as refused:
                return "409 Conflict", {"error": str(refused)}
            return "200 OK", {"done": done}
        if route == "sign-in/settings" and method == "POST":
            try:
                return "200 OK", oidc.configure(query)
            except ValueError as refused:
                return "400 Bad Request", {"error": str(refused)}
        if route.startswith("console/") and method == "GET":
            step, user = route[len("console/"):], query.get("user", "")
            try:
                with STATE.lock:
                    played = is_step_played(step, account_id, user=user, details=console_details(query))
            except ConsoleStepRefused as refused:
                return "400 Bad Request", {"error": str(refused)}
            return "200 OK", {"step": step, "user": user, "played": played}
        if route.startswith("console/") and method == "POST":
            step = route[len("console/"):]
            region = query.get("region", "us-east-1")
            try:
                with STATE.lock:
                    done = play_console_step(
                        step, account_id, region,
                        delay_seconds=float(query.get("delay", "0")), user=query.get("user", ""),
                        details=console_details(query),
                    )
            except ConsoleStepRefused as refused:
                return "409 Conflict", {"error": str(refused)}
            return "200 OK", {"done": done}
        return "404 Not Found", {"error": f"No sandbox route {method} /_sandbox/{route}"}


CONTROL_QUERY_KEYS = frozenset({"account", "region", "delay", "user"})
"""The query keys every console route reads itself; any other is a field of the step's form."""


def console_details(query: dict[str, str]) -> dict[str, str]:
    """Return a console route's form fields: its query but for the keys every route reads."""
    return {key: value for key, value in query.items() if key not in CONTROL_QUERY_KEYS}


def answer_with(start_response: Callable[..., Any], answer: Answer) -> Iterable[bytes]:
    """Start the response of ``answer`` (status, headers, body) and return its body."""
    status, headers, body = answer
    start_response(status, headers)
    return [body]


def default_account_id() -> str:
    """Return the account id moto answers as (``MOTO_ACCOUNT_ID`` or moto's default)."""
    from moto.core import DEFAULT_ACCOUNT_ID

    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)


def clear_sandbox_state() -> None:
    """Forget what the sandbox keeps beside moto: console steps, sign-in clients, codes, tokens.

    The caller holds ``STATE.lock``.
    """
    STATE.clear()
    oidc.SIGN_IN.clear()
    clear_guardrail_state()


def reset_everything(seed: str | None) -> dict[str, Any]:
    """Clear moto and the sandbox state; with ``seed``, make moto's ids repeatable from here."""
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.models import moto_api_backend

    with STATE.lock:
        moto_api_backend.reset()
        clear_sandbox_state()
        if seed is not None:
            mock_random.seed(int(seed))
    return {"reset": True, "seed": seed}


def bearer_token_request_handler() -> type:
    """Return werkzeug's request handler, made to keep the SSO portal's bearer token header.

    werkzeug leaves every header with an underscore out of the WSGI environ (so that ``a_b`` cannot
    pass for ``a-b``), and the portal's ``x-amz-sso_bearer_token`` has one. Only that header is
    let through, under ``HTTP_X_AMZ_SSO_BEARER_TOKEN``.
    """
    from werkzeug.serving import WSGIRequestHandler

    class BearerTokenRequestHandler(WSGIRequestHandler):
        def make_environ(self) -> dict[str, Any]:
            environ = super().make_environ()
            environ.pop(BEARER_TOKEN_ENVIRON, None)  # never from a look-alike header
            for name, value in self.headers.items():
                if name.lower() == BEARER_TOKEN_HEADER:
                    environ[BEARER_TOKEN_ENVIRON] = value
            return environ

    return BearerTokenRequestHandler


def remember_moto_modules() -> None:
    """List moto's service folders once, not twice for every request.

    moto's dispatcher asks ``moto.backends.list_of_moto_modules()`` whether a host names a
    service, and that lists moto's package folder and stats its 170-odd entries each time: a
    third of the server's cpu per request (3.1 ms, 2.1 ms without). The folder is the installed
    package's and does not change while the server runs.
    """
    import moto.backends

    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: iter(modules)


def skip_moto_default_amis() -> None:
    """Make moto's EC2 backends start without the public AMIs it bundles.

    moto loads about 1,300 Amazon AMIs, each with a volume and a snapshot whose ids it draws from
    its seeded random stream, into a region's EC2 backend when the region is first called; after
    every reset, then, the audit and step 07 (EBS encryption by default, read or set in all 34
    regions) paid 0.3 to 1.2 s a region, about 10 s a run. Nothing in the runbook reads an image,
    a volume or a snapshot (its EC2 calls are ``DescribeRegions`` and the EBS encryption default),
    so the sandbox's ``DescribeImages`` lists none where AWS lists the public ones. Ids drawn after
    a region's first EC2 call differ from before this change, and are as repeatable from a seed.
    moto reads the setting whenever a backend is made.
    """
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"


def build_app() -> SandboxApp:
    """Adjust moto to a brand-new account and return the sandbox's WSGI app; call once a process."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    unavailable: dict[str, ImportError] = {}

    def create_moto_app(service: str | None) -> Any:
        if service is None:  # moto found no backend for the request: a service it does not have
            raise ServiceNotInMoto()
        if service in unavailable:  # a failed import is tried again on every call (0.1 s each)
            raise unavailable[service]
        try:
            return create_backend_app(service)
        except ImportError as missing:
            unavailable[service] = missing
            raise

    remember_moto_modules()
    skip_moto_default_amis()
    patch_moto_for_new_accounts()
    enforce_aws_rules()
    remove_reserved_roles_on_deletion()  # a teardown leaves no AWSReservedSSO_* role, as on AWS
    return SandboxApp(DomainDispatcherApplication(create_moto_app))


WARMED_SERVICES = (
    "sts", "organizations", "sso-admin", "identitystore", "account", "iam", "budgets", "ce",
    "cloudtrail", "s3", "lambda", "logs", "apigateway",
)
"""The moto services a whole run with the default parameters calls, in the order it first calls
them (steps 00-99, and 04's probes as the developer's role), by moto's backend names. EC2 is
not here: its app alone takes 1 s to build, and the runbook's EC2 calls (regions, EBS
encryption) are the sandbox's own (``guardrail_calls``) unless a person picks EC2 in 04."""


def warm_up(app: SandboxApp, services: Iterable[str] = WARMED_SERVICES) -> None:
    """Make moto's app for each of ``services`` now, not on the service's first call.

    moto imports a service's module and builds its routes on the first request for it: 0.05 to
    0.17 s for sso-admin, Lambda and CloudWatch Logs, and API Gateway's failed import 0.1 s; the
    access control parses a REST service's model and routes on its first call (0.1 s for Lambda
    and API Gateway). The runbook's first call to each waited that long where AWS would answer
    at once. This builds only code (no account's backend, so no state and no draw from the seeded ids). It runs in a
    thread once the sandbox listens, overlapping the client's own start, and builds each app
    outside moto's lock, so a request never waits for an app it does not need; it holds the
    sandbox's lock instead, as a reset does: moto's reset walks the backends and models every
    import adds to, and must not do so while a module imports (seen as a 500 from a reset or a
    console step on a sandbox just started).
    """
    dispatcher = app.moto_app
    for service in services:
        with STATE.lock:  # a reset walks the registries an import adds to: never during one
            with dispatcher.lock:
                built = service in dispatcher.app_instances
            if not built:
                try:
                    made = dispatcher.create_app(service)
                except ImportError:  # a package moto needs for it is not installed: refused when called
                    made = None
                if made is not None:
                    with dispatcher.lock:
                        dispatcher.app_instances.setdefault(service, made)
            prepare_to_identify(service)  # what the access control reads of a call to it


WARMED_UP = threading.Event()
"""Set once ``serve``'s warm-up has built every app of ``WARMED_SERVICES``: ``GET /_sandbox/warmed-up``
says so, for a benchmark that times a client against the sandbox, not against the sandbox's own start."""


def warm_up_then_say_so(app: SandboxApp) -> None:
    """Warm up (``warm_up``), then set ``WARMED_UP``, even when a service failed to build."""
    try:
        warm_up(app)
    finally:
        WARMED_UP.set()


def serve(host: str, port: int, ready_file: str | None, *, mode: str = permissions.WORKSHOP) -> None:
    """Run the sandbox until SIGTERM; write ``{"url", "pid", "mode"}`` to ``ready_file`` once listening."""
    from werkzeug.serving import make_server

    permissions.set_mode(mode)
    app = build_app()
    server = make_server(host, port, app, threaded=True, request_handler=bearer_token_request_handler())
    url = f"http://{host}:{server.server_port}"
    if ready_file:
        temporary = f"{ready_file}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"url": url, "pid": os.getpid(), "mode": mode}, handle)
        os.replace(temporary, ready_file)  # the reader never sees half a file
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    threading.Thread(target=warm_up_then_say_so, args=(app,), name="warm-up", daemon=True).start()
    print(f"Sandbox listening on {url} ({mode} mode)", flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m runbook_sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument("--ready-file", help="where to write the URL once listening")
    parser.add_argument(
        "--mode", choices=permissions.MODES, default=permissions.WORKSHOP,
        help="workshop: the runbook's fixed sandbox keys act as the account's owner (the default); "
        "rehearsal: they are refused, as on a new account whose root has only the console",
    )
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.ready_file, mode=args.mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
