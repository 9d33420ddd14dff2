"""Requests and answers of AWS's rest-json services that moto lacks (sandbox process only).

``sso-oidc`` and the SSO portal API (``sso``) are rest-json services whose operations are unsigned
(the portal's carry a bearer token instead), so the sandbox spots them by method and path, as
botocore's service models route them. Errors are written the way those services write them, so
that botocore raises the modelled exception classes (``client.exceptions.SlowDownException``...):

- the code goes in the ``x-amzn-ErrorType`` header, ``<Code>:<service namespace>`` (botocore's
  rest-json parser keeps what is before the ``:``);
- the body is the error shape's members: ``{"error", "error_description"}`` for sso-oidc, as
  OAuth 2.0 has it (botocore copies ``error_description`` into ``Error.Message`` for sso-oidc, and
  keeps both members in the parsed response), ``{"message"}`` for the portal;
- the HTTP status is the one the model gives the shape (401 for InvalidClientException...).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import parse_qs

MAX_BODY = 64 * 1024
"""Larger request bodies are refused (the operations here take a few hundred bytes)."""

BEARER_TOKEN_HEADER = "x-amz-sso_bearer_token"
BEARER_TOKEN_ENVIRON = "HTTP_X_AMZ_SSO_BEARER_TOKEN"
"""The WSGI key of the portal's bearer token; the server's request handler keeps that header
although it has an underscore (werkzeug drops every header with one, against spoofing)."""

STATUS_LINES = {
    200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized", 403: "403 Forbidden",
    404: "404 Not Found", 409: "409 Conflict", 413: "413 Payload Too Large",
    429: "429 Too Many Requests", 500: "500 Internal Server Error", 501: "501 Not Implemented",
}

Answer = tuple[str, list[tuple[str, str]], bytes]
"""What a route answers: the HTTP status line, the headers and the body."""


@dataclass(frozen=True)
class ApiRequest:
    """One request to an emulated service, read from the WSGI environ.

    Attributes:
        method: ``GET`` or ``POST``.
        path: The path, e.g. ``/token``.
        query: The query string's parameters (last value wins).
        body: The raw body.
        bearer_token: The portal's ``x-amz-sso_bearer_token`` header, or "".
        base_url: The sandbox's own URL as the caller reached it, e.g. ``http://127.0.0.1:5000``.
        account_id: The sandbox's account.
    """

    method: str
    path: str
    query: Mapping[str, str]
    body: bytes
    bearer_token: str
    base_url: str
    account_id: str

    def json_body(self) -> dict[str, Any]:
        """Return the body as a JSON object.

        Raises:
            ValueError: when the body is not a JSON object.
        """
        document = json.loads(self.body or b"{}")
        if not isinstance(document, dict):
            raise ValueError("the body is not a JSON object")
        return document


class ServiceError(Exception):
    """Raised inside an emulated operation to answer with one of the service's modelled errors.

    Attributes:
        code: The error shape's name, e.g. ``AuthorizationPendingException``.
        status: The HTTP status the service model gives it.
        body: The error shape's members, as the service sends them.
    """

    def __init__(self, code: str, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{code}: {body}")
        self.code = code
        self.status = status
        self.body = body


def read_request(environ: dict[str, Any], account_id: str) -> ApiRequest:
    """Read method, path, query, body, bearer token and the sandbox's URL from the environ."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(min(length, MAX_BODY)) if length > 0 else b""
    query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}"
    return ApiRequest(
        method=environ.get("REQUEST_METHOD", "GET"),
        path=environ.get("PATH_INFO", ""),
        query=query,
        body=body,
        bearer_token=environ.get(BEARER_TOKEN_ENVIRON, ""),
        base_url=f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
        account_id=account_id,
    )


def json_answer(payload: dict[str, Any] | None, *, status: int = 200) -> Answer:
    """Return a successful rest-json answer (``payload`` None: an empty body, as ``Logout``)."""
    body = b"" if payload is None else json.dumps(payload).encode("utf-8")
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", str(uuid.uuid4())),  # not moto's random: seeded ids must not shift
    ]
    return STATUS_LINES[status], headers, body


def error_answer(error: ServiceError, namespace: str) -> Answer:
    """Return the service's error answer for ``error`` (``namespace``: the service's, after ``:``)."""
    status, headers, body = json_answer(error.body, status=error.status)
    return status, [*headers, ("x-amzn-ErrorType", f"{error.code}:{namespace}")], body


def html_answer(page: str, *, status: int = 200) -> Answer:
    """Return an HTML page."""
    body = page.encode("utf-8")
    return STATUS_LINES[status], [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))], body
