"""Read and answer AWS JSON calls the sandbox serves itself (sandbox process only).

The calls of ``cost_services`` and ``account_services`` come in two protocols: awsJson1_0/1_1
(Cost Explorer, Budgets, the Free Tier API: ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>``)
and rest-json (IAM Access Analyzer, Account Management: the operation in the method and path).
A request the sandbox lets moto answer must reach moto with its body intact, so the body is read
once and put back.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from runbook_sandbox.rest_json import STATUS_LINES, Answer

MAX_BODY = 1024 * 1024
"""Larger bodies are left unread for moto (these calls carry a few kilobytes)."""
STATUS_LINES_EXTRA = {402: "402 Payment Required"}


@dataclass(frozen=True)
class Call:
    """One AWS request, as far as the sandbox's own services need it.

    Attributes:
        target: The ``X-Amz-Target`` header (``AWSInsightsIndexService.CreateAnomalyMonitor``), or "".
        signing_name: The service of the SigV4 credential scope (``access-analyzer``), or "".
        region: The region of the credential scope, or "".
        access_key_id: The caller's access key id, or "".
        method: The HTTP method.
        path: The path.
        query: The query string's parameters (last value wins).
        body: The raw body.
    """

    target: str
    signing_name: str
    region: str
    access_key_id: str
    method: str
    path: str
    query: dict[str, str]
    body: bytes

    @property
    def operation(self) -> str:
        """The JSON protocol's operation, ``CreateAnomalyMonitor``; "" for a REST call."""
        return self.target.rpartition(".")[2]

    def json(self) -> dict[str, Any]:
        """Return the body as a JSON object ({} for an empty or unreadable body)."""
        try:
            document = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return document if isinstance(document, dict) else {}


class CallRefused(Exception):
    """Raised inside an operation to answer with one of the service's errors.

    Attributes:
        code: The error's name, e.g. ``ValidationException``.
        message: What was wrong.
        status: The HTTP status the service model gives it.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def read_call(environ: dict[str, Any]) -> Call:
    """Read a request and put its body back, so that moto can read it too."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = b""
    if 0 < length <= MAX_BODY:
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    credential = authorization.partition("Credential=")[2].split(",", 1)[0].split("/")
    return Call(
        target=str(environ.get("HTTP_X_AMZ_TARGET", "")),
        signing_name=credential[3] if len(credential) == 5 else "",
        region=credential[2] if len(credential) == 5 else "",
        access_key_id=credential[0] if len(credential) == 5 else "",
        method=environ.get("REQUEST_METHOD", "GET"),
        path=environ.get("PATH_INFO", ""),
        query={key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()},
        body=body,
    )


def status_line(status: int) -> str:
    """Return the HTTP status line of ``status``."""
    return STATUS_LINES.get(status) or STATUS_LINES_EXTRA[status]


def json_protocol_answer(payload: dict[str, Any], *, status: int = 200) -> Answer:
    """Return an awsJson answer: the payload, or an error's ``{"__type", "message"}``."""
    body = json.dumps(payload, default=str).encode("utf-8")
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body))),
               ("x-amzn-RequestId", str(uuid.uuid4()))]
    return status_line(status), headers, body


def json_protocol_error(refused: CallRefused) -> Answer:
    """Return an awsJson error answer, as botocore's JSON parser reads it."""
    return json_protocol_answer({"__type": refused.code, "message": refused.message}, status=refused.status)


def rest_answer(payload: dict[str, Any] | None, *, status: int = 200) -> Answer:
    """Return a rest-json answer (``payload`` None: an empty body)."""
    body = b"" if payload is None else json.dumps(payload, default=str).encode("utf-8")
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
               ("x-amzn-RequestId", str(uuid.uuid4()))]
    return status_line(status), headers, body


def rest_error(refused: CallRefused) -> Answer:
    """Return a rest-json error answer: the code in ``x-amzn-ErrorType``, ``{"message"}`` in the body."""
    status, headers, body = rest_answer({"message": refused.message}, status=refused.status)
    return status, [*headers, ("x-amzn-ErrorType", refused.code)], body


def control_answer(payload: dict[str, Any], *, status: int = 200) -> Answer:
    """Return a ``/_sandbox/*`` control route's JSON answer, as the server writes its own."""
    body = json.dumps(payload).encode("utf-8")
    return status_line(status), [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body
