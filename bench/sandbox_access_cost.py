"""Measure what the sandbox's access control (``runbook_sandbox.permissions``) costs per request.

Run: ``PYTHONPATH=. .venv/bin/python bench/sandbox_access_cost.py [--repeat N]``. It serves the
sandbox's app on a thread of this process, makes a developer (S3, Lambda, Logs) and an Admin with
the portal's credentials, captures one request of each kind, then times ``permissions.authorize``
alone on each, in this process: the decision the server makes before moto for every request.
It also times whole HTTP requests with the fixed keys and with the portal's credentials.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # tests/sso_setup.py

HOME = Path(tempfile.mkdtemp(prefix="bench-access-"))
os.environ.update(HOME=str(HOME), RUNBOOK_HOME=str(HOME / ".runbook"), AWS_EC2_METADATA_DISABLED="true")
for variable in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(variable, None)

import boto3  # noqa: E402
import botocore.exceptions  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from runbook_lib.sandbox import SandboxClient  # noqa: E402
from runbook_sandbox import permissions, server  # noqa: E402
from runbook_sandbox.simulator import read_query_parameters  # noqa: E402
from sso_setup import ACCOUNT_ID, IdentityCenterPeople, set_up_people  # noqa: E402

CALLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "s3 ListBuckets (rest-xml)": ("s3", "list_buckets", {}),
    "lambda ListFunctions (rest-json)": ("lambda", "list_functions", {}),
    "logs DescribeLogGroups (json)": ("logs", "describe_log_groups", {}),
    "dynamodb ListTables (json)": ("dynamodb", "list_tables", {}),
    "iam ListRoles (query)": ("iam", "list_roles", {}),
    "sts GetCallerIdentity (query)": ("sts", "get_caller_identity", {}),
}


class Capturing:
    """WSGI middleware: keep a copy of the first request of each label, then pass it on."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.label = ""
        self.captured: dict[str, tuple[dict[str, Any], bytes]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        if self.label and self.label not in self.captured:
            self.captured[self.label] = ({key: value for key, value in environ.items() if key != "wsgi.input"}, body)
        return self.app(environ, start_response)


def portal_session(people: IdentityCenterPeople, user: str, role: str) -> boto3.Session:
    """Return a session with the portal's credentials of ``role`` for ``user``."""
    token = people.sign_in(user)["accessToken"]
    credentials = people.client("sso", signed=False).get_role_credentials(
        accessToken=token, accountId=ACCOUNT_ID, roleName=role)["roleCredentials"]
    return boto3.Session(
        aws_access_key_id=credentials["accessKeyId"], aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials["sessionToken"], region_name="us-east-1",
    )


def time_authorize(environ: dict[str, Any], body: bytes, repeat: int) -> tuple[float, str]:
    """Return the median microseconds of ``authorize`` on a copy of the request, and its verdict."""
    form = read_query_parameters({**environ, "wsgi.input": io.BytesIO(body)}) or {}
    times = []
    verdict = ""
    for _ in range(repeat):
        copy = {**environ, "wsgi.input": io.BytesIO(body)}
        started = time.perf_counter()
        answer = permissions.authorize(copy, form, ACCOUNT_ID)
        times.append(time.perf_counter() - started)
        verdict = "passed to moto" if answer is None else answer[0]
    return statistics.median(times) * 1e6, verdict


def time_http(session: boto3.Session, url: str, service: str, method: str, parameters: dict[str, Any], repeat: int) -> float:
    """Return the median milliseconds of a whole HTTP request (a refusal counts as an answer)."""
    client = session.client(service, endpoint_url=url, region_name="us-east-1")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            getattr(client, method)(**parameters)
        except botocore.exceptions.ClientError:
            pass
        times.append(time.perf_counter() - started)
    return statistics.median(times[3:]) * 1000


def main() -> int:
    """Set up, capture, time; print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="authorize() runs per request kind")
    parser.add_argument("--http-repeat", type=int, default=40, help="HTTP requests per kind and identity")
    args = parser.parse_args()
    capturing = Capturing(server.build_app())
    httpd = make_server("127.0.0.1", 0, capturing, threaded=True, request_handler=server.bearer_token_request_handler())
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_port}"
    try:
        sandbox = SandboxClient(url)
        sandbox.reset(seed=1)
        people = set_up_people(sandbox)
        sso_admin = people.client("sso-admin")
        arn = sso_admin.create_permission_set(InstanceArn=people.instance_arn, Name="DeveloperAccess")["PermissionSet"]["PermissionSetArn"]
        for policy in ("AmazonS3FullAccess", "AWSLambda_FullAccess", "CloudWatchLogsFullAccess"):
            sso_admin.attach_managed_policy_to_permission_set(
                InstanceArn=people.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=f"arn:aws:iam::aws:policy/{policy}")
        people.permission_sets["DeveloperAccess"] = arn
        people.assign("DeveloperAccess", people.user_ids["dev"])
        people.provision("DeveloperAccess")
        people.assign("Admin", people.user_ids["visitor"])
        identities = {
            "fixed keys": boto3.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name="us-east-1"),
            "developer": portal_session(people, "dev", "DeveloperAccess"),
            "Admin": portal_session(people, "visitor", "Admin"),
        }
        print(f"{'request':34} {'identity':10} {'authorize() median':>19}  verdict            {'HTTP median':>11}")
        for label, (service, method, parameters) in CALLS.items():
            for who, session in identities.items():
                capturing.label = f"{who}|{label}"
                http_ms = time_http(session, url, service, method, parameters, args.http_repeat)
                environ, body = capturing.captured[capturing.label]
                micros, verdict = time_authorize(environ, body, args.repeat)
                print(f"{label:34} {who:10} {micros:16.0f} µs  {verdict:18} {http_ms:8.1f} ms")
    finally:
        httpd.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
