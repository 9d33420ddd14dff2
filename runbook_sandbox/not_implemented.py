"""AWS-shaped answers for the calls moto does not implement (sandbox process only).

moto answers a call it lacks with a web page: Flask's HTML 500 for an operation of a service it
has (its ``NotImplementedError``) and for a service it has none of, and an HTML 404 for a REST
route it never mapped. botocore makes of those a ``ClientError`` whose code is ``500`` or ``404``
and whose message is a page of HTML (or fails to parse it at all, for the XML protocols), and it
retries a 500 up to four times. AWS never answers like that, and the runbook should not have to
know moto's shapes; so the sandbox answers such a call the way an AWS service refuses a request
it does not serve, in the protocol the request came in (``calls.error_in_protocol``):

- HTTP ``501 Not Implemented``, which botocore does not retry (only 500, 502, 503 and 504 are
  transient to it) and which S3 itself answers with the code ``NotImplemented``;
- the code ``NotImplemented`` and the message "The sandbox does not implement
  ``<service>:<Operation>``; this needs a real account.", the service named by the request's
  signing name, which is the IAM action prefix (``sso:CreateInstance``).
"""

from __future__ import annotations

from runbook_sandbox.calls import ServiceCall, error_in_protocol
from runbook_sandbox.rest_json import Answer

STATUS = 501
CODE = "NotImplemented"


class ServiceNotInMoto(Exception):
    """Raised when a request is for a service moto has no backend for at all."""


def not_implemented_message(call: ServiceCall) -> str:
    """Return the answer's message: what the sandbox lacks, and where the call does work."""
    return f"The sandbox does not implement {call.service}:{call.operation}; this needs a real account."


def not_implemented_answer(call: ServiceCall) -> Answer:
    """Return the 501 answer for ``call``, written as its protocol's errors are."""
    return error_in_protocol(call, STATUS, CODE, not_implemented_message(call))


def is_missing_route(status: str, headers: list[tuple[str, str]]) -> bool:
    """Return True for moto's answer to a REST path it never mapped: Flask's HTML 404 page.

    moto's own "not found" errors (``NoSuchBucket``, ``ResourceNotFoundException``) come as XML
    or JSON, never as HTML.
    """
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
    return status.startswith("404") and content_type.startswith("text/html")
