"""What an AWS request asks for, told from the request alone, and refusals in its protocol.

Two parts of the sandbox answer a request before (or instead of) moto: the access control
(``permissions``), which must know the service and the operation to name the IAM action, and the
answers for the calls moto lacks (``not_implemented``). Both write their errors the way the
service would, in the protocol the request came in, so botocore parses them as AWS's own:

- json (awsJson1_0/1_1): the body ``{"__type", "message"}``, which botocore's JSON parser reads;
  rest-json: the same body and the ``x-amzn-ErrorType`` header its REST parser reads first;
- query and ec2: ``<ErrorResponse><Error>`` with ``Type``, ``Code`` and ``Message`` and a
  ``RequestId`` (botocore's EC2 parser reads that form too); rest-xml: the same, except for S3,
  whose errors are a bare ``<Error>``.

The service is the request's signing name, which is the IAM action prefix for nearly every
service (``sso`` for sso-admin, ``lambda``, ``s3``); the operation is botocore's name for it:
``X-Amz-Target`` for json, the ``Action`` parameter for query, and for REST the route botocore's
model gives the method and path (matched by moto's router, which reads those models).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from runbook_sandbox.rest_json import STATUS_LINES, Answer


@dataclass(frozen=True)
class ServiceCall:
    """One AWS call, as far as the request tells.

    Attributes:
        service: The request's signing name (the IAM action prefix, e.g. ``sso``), else moto's
            name for the service, else ``unknown``.
        operation: The operation's name, e.g. ``CreateInstance``; for a REST call botocore's
            model does not know either, its method and path.
        protocol: How to write an answer: ``json``, ``rest-json``, ``query``, ``ec2`` or ``rest-xml``.
        method: The HTTP method.
        path: The request's path.
        uri_params: For a REST call, the labels of its route (``Bucket``, ``Key``...).
    """

    service: str
    operation: str
    protocol: str
    method: str = "POST"
    path: str = "/"
    uri_params: Mapping[str, str] = field(default_factory=dict)


def signing_name(environ: Mapping[str, Any]) -> str:
    """Return the service of a SigV4 request's credential scope, or "" for an unsigned request."""
    scope = credential_scope(environ)
    return scope[3] if scope else ""


def credential_scope(environ: Mapping[str, Any]) -> list[str]:
    """Return a SigV4 request's credential scope ``[key id, date, region, service, aws4_request]``.

    The scope is in the ``Authorization`` header, or in ``X-Amz-Credential`` for a presigned
    URL; an unsigned request has none (``[]``).
    """
    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    if authorization.startswith("AWS4-HMAC-SHA256"):
        credential = authorization.partition("Credential=")[2].split(",", 1)[0].strip()
    else:
        credential = parse_qs(str(environ.get("QUERY_STRING", ""))).get("X-Amz-Credential", [""])[-1]
    parts = credential.split("/")
    return parts if len(parts) == 5 else []


def model_name(*candidates: str | None) -> str:
    """Return the first of ``candidates`` that botocore has a service model for, or "".

    moto's name of a service is mostly botocore's (``sso-admin``), but not always (``awslambda``);
    the signing name is the other good guess (``lambda``).
    """
    from botocore.exceptions import DataNotFoundError
    from moto.core.utils import get_service_model

    for name in candidates:
        if not name:
            continue
        try:
            get_service_model(name)
        except DataNotFoundError:
            continue
        return name
    return ""


WARM_UP_PATH = "/_sandbox/no-operation-here"
"""A path no AWS operation has: what ``prepare_to_identify`` asks a router to match."""


def match_rest_route(service: str, environ: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Return the operation a REST request's method and path name in botocore's model of
    ``service``, and the route's labels; ``("", {})`` when none matches."""
    from moto.core.request import Request
    from moto.core.routing import get_service_router
    from werkzeug.exceptions import HTTPException

    try:
        operation, labels = get_service_router(service).match(Request(environ))
    except (HTTPException, NotImplementedError):
        return "", {}
    return str(operation.name), {str(key): str(value) for key, value in (labels or {}).items()}


def prepare_to_identify(service: str) -> None:
    """Parse botocore's model of ``service`` and, for a REST service, build moto's router of its
    routes: what ``identify_call`` would otherwise do on the service's first call (0.1 s each
    for Lambda and API Gateway).

    moto makes a service's router lazily, and its routes (``RestRouter``) only on the first
    ``match``: one is asked here, for a path no operation has, so that the routes are built now.
    """
    from moto.core.request import Request
    from moto.core.routing import get_service_router
    from moto.core.utils import get_service_model
    from werkzeug.exceptions import HTTPException
    from werkzeug.test import EnvironBuilder

    model = model_name(service)
    if model and get_service_model(model).protocol.startswith("rest"):
        try:
            get_service_router(model).match(Request(EnvironBuilder(method="GET", path=WARM_UP_PATH).get_environ()))
        except (HTTPException, NotImplementedError):
            pass  # no operation there, as intended: the routes are built


def identify_call(environ: dict[str, Any], form: Mapping[str, list[str]], moto_service: str | None) -> ServiceCall:
    """Tell what a request asks for, from what it carries (moto's dispatch is not asked).

    Args:
        environ: The request's WSGI environ.
        form: The parameters of its form-encoded body, read before moto consumed it ({} for none).
        moto_service: moto's name of the service it dispatched to, or None when unknown.
    """
    service = signing_name(environ) or moto_service or "unknown"
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    action = (form.get("Action") or parse_qs(environ.get("QUERY_STRING", "")).get("Action") or [""])[-1]
    if target:
        return ServiceCall(service, target.rpartition(".")[2], "json", method, path)
    if action:
        return ServiceCall(service, action, "ec2" if service == "ec2" else "query", method, path)
    from moto.core.utils import get_service_model

    model = model_name(moto_service, signing_name(environ))
    protocol = "rest-xml" if model and get_service_model(model).protocol == "rest-xml" else "rest-json"
    operation, labels = match_rest_route(model, environ) if model else ("", {})
    return ServiceCall(service, operation or f"{method} {path}", protocol, method, path, labels)


def error_in_protocol(call: ServiceCall, status: int, code: str, message: str) -> Answer:
    """Return an error answer for ``call``, written as its protocol's errors are (see above)."""
    request_id = str(uuid.uuid4())  # not moto's random: seeded ids must not shift
    if call.protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode("utf-8")
        content_type = "application/x-amz-json-1.1" if call.protocol == "json" else "application/json"
        headers = [("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)]
    else:
        error = f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        if call.protocol == "rest-xml" and call.service == "s3":
            document = f"<Error>{error}<RequestId>{request_id}</RequestId></Error>"
        else:
            document = f"<ErrorResponse><Error><Type>Sender</Type>{error}</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        body = f'<?xml version="1.0" encoding="UTF-8"?>{document}'.encode("utf-8")
        content_type = "text/xml"
        headers = [("x-amzn-RequestId", request_id)]
    status_line = STATUS_LINES.get(status, f"{status} Error")
    return status_line, [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers], body
