"""AWS-shaped answers for the calls moto does not implement (sandbox process only).

moto answers a call it lacks with a web page: Flask's HTML 500 for an operation of a service it
has (its ``NotImplementedError``) and for a service it has none of, and an HTML 404 for a REST
route it never mapped. botocore makes of those a ``ClientError`` whose code is ``500`` or ``404``
and whose message is a page of HTML (or fails to parse it at all, for the XML protocols), and it
retries a 500 up to four times. AWS never answers like that, and the runbook should not have to
know moto's shapes; so the sandbox answers such a call the way an AWS service refuses a request
it does not serve, in the protocol the request came in:

- HTTP ``501 Not Implemented``, which botocore does not retry (only 500, 502, 503 and 504 are
  transient to it) and which S3 itself answers with the code ``NotImplemented``;
- the code ``NotImplemented`` and the message "The sandbox does not implement
  ``<service>:<Operation>``; this needs a real account.", the service named by the request's
  signing name, which is the IAM action prefix (``sso:CreateInstance``);
- json (awsJson1_0/1_1): the body ``{"__type", "message"}``, which botocore's JSON parser reads;
  rest-json: the same body and the ``x-amzn-ErrorType`` header its REST parser reads first;
  query and ec2: ``<ErrorResponse><Error>`` with ``Type``, ``Code`` and ``Message`` and a
  ``RequestId`` (botocore's EC2 parser reads that form too); rest-xml: the same, except for S3,
  whose errors are a bare ``<Error>``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from runbook_sandbox.rest_json import Answer

STATUS = "501 Not Implemented"
CODE = "NotImplemented"


class ServiceNotInMoto(Exception):
    """Raised when a request is for a service moto has no backend for at all."""


@dataclass(frozen=True)
class UnimplementedCall:
    """A call the sandbox cannot answer, as far as the request tells.

    Attributes:
        service: The request's signing name (the IAM action prefix, e.g. ``sso``), else moto's
            name for the service, else ``unknown``.
        operation: The operation's name, e.g. ``CreateInstance``; for a REST call botocore's
            model does not know either, its method and path.
        protocol: How to write the answer: ``json``, ``rest-json``, ``query``, ``ec2`` or ``rest-xml``.
    """

    service: str
    operation: str
    protocol: str

    @property
    def message(self) -> str:
        """The answer's message: what the sandbox lacks, and where the call does work."""
        return f"The sandbox does not implement {self.service}:{self.operation}; this needs a real account."


def signing_name(environ: Mapping[str, Any]) -> str:
    """Return the service of a SigV4 request's credential scope, or "" for an unsigned request."""
    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    credential = authorization.partition("Credential=")[2].split(",", 1)[0]
    parts = credential.split("/")
    return parts[3] if len(parts) == 5 else ""


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


def rest_operation(service: str, environ: dict[str, Any]) -> str:
    """Return the operation a REST request's method and path name in botocore's model of
    ``service``, or "" when none matches."""
    from moto.core.request import Request
    from moto.core.routing import get_service_router
    from werkzeug.exceptions import HTTPException

    try:
        operation, _ = get_service_router(service).match(Request(environ))
    except (HTTPException, NotImplementedError):
        return ""
    return str(operation.name)


def identify_call(environ: dict[str, Any], form: Mapping[str, list[str]], moto_service: str | None) -> UnimplementedCall:
    """Tell what a request asks for, from what it carries (moto's dispatch is not asked again).

    Args:
        environ: The request's WSGI environ.
        form: The parameters of its form-encoded body, read before moto consumed it ({} for none).
        moto_service: moto's name of the service it dispatched to, or None when it has none.
    """
    service = signing_name(environ) or moto_service or "unknown"
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    action = (form.get("Action") or parse_qs(environ.get("QUERY_STRING", "")).get("Action") or [""])[-1]
    if target:
        return UnimplementedCall(service, target.rpartition(".")[2], "json")
    if action:
        return UnimplementedCall(service, action, "ec2" if service == "ec2" else "query")
    from moto.core.utils import get_service_model

    model = model_name(moto_service, signing_name(environ))
    protocol = "rest-xml" if model and get_service_model(model).protocol == "rest-xml" else "rest-json"
    operation = rest_operation(model, environ) if model else ""
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
    return UnimplementedCall(service, operation or f"{method} {path}", protocol)


def not_implemented_answer(call: UnimplementedCall) -> Answer:
    """Return the 501 answer for ``call``, written as its protocol's errors are."""
    request_id = str(uuid.uuid4())  # not moto's random: seeded ids must not shift
    if call.protocol in ("json", "rest-json"):
        body = json.dumps({"__type": CODE, "message": call.message}).encode("utf-8")
        content_type = "application/x-amz-json-1.1" if call.protocol == "json" else "application/json"
        headers = [("x-amzn-ErrorType", CODE), ("x-amzn-RequestId", request_id)]
    else:
        error = f"<Code>{CODE}</Code><Message>{escape(call.message)}</Message>"
        if call.protocol == "rest-xml" and call.service == "s3":
            document = f"<Error>{error}<RequestId>{request_id}</RequestId></Error>"
        else:
            document = f"<ErrorResponse><Error><Type>Sender</Type>{error}</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        body = f'<?xml version="1.0" encoding="UTF-8"?>{document}'.encode("utf-8")
        content_type = "text/xml"
        headers = [("x-amzn-RequestId", request_id)]
    return STATUS, [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers], body


def is_missing_route(status: str, headers: list[tuple[str, str]]) -> bool:
    """Return True for moto's answer to a REST path it never mapped: Flask's HTML 404 page.

    moto's own "not found" errors (``NoSuchBucket``, ``ResourceNotFoundException``) come as XML
    or JSON, never as HTML.
    """
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
    return status.startswith("404") and content_type.startswith("text/html")
