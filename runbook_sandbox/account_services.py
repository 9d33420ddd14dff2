"""The account's own rules moto leaves out, IAM Access Analyzer, and two billing switches that
only the console has (sandbox process only).

- Account Management's alternate contacts: a management or standalone account names itself by
  leaving ``AccountId`` out; AWS refuses its own id there (``AccessDeniedException``, "The
  management account can only be managed using the standalone context from the management
  account." for a management account). moto accepts it; here it is refused as AWS does, and a
  call without ``AccountId`` goes on to moto.
- IAM Access Analyzer, which moto lacks: ``CreateAnalyzer``, ``ListAnalyzers``, ``GetAnalyzer``,
  ``DeleteAnalyzer`` and tags; one analyzer of a type per account and region
  (``ServiceQuotaExceededException``), names unique (``ConflictException``).
- Console switches with no API: "IAM user and role access to Billing information" (root only)
  and the Free Tier usage alerts, played with ``POST /_sandbox/console/<step>`` and asked about
  with ``GET``, like the console steps of ``console``.
"""

from __future__ import annotations

import datetime
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from runbook_sandbox.json_calls import Call, CallRefused, control_answer, rest_answer, rest_error
from runbook_sandbox.rest_json import Answer

ALTERNATE_CONTACT_PATHS = {
    "/putAlternateContact": "PutAlternateContact",
    "/getAlternateContact": "GetAlternateContact",
    "/deleteAlternateContact": "DeleteAlternateContact",
}
ANALYZER_TYPES = ("ACCOUNT", "ORGANIZATION", "ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS",
                  "ACCOUNT_INTERNAL_ACCESS", "ORGANIZATION_INTERNAL_ACCESS")
ANALYZER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,254}")
CONSOLE_SWITCHES = {
    "activate-iam-billing-access": "IAM user and role access to Billing information is activated: "
                                   "IAM users and roles with billing permissions can open Billing and Cost Management.",
    "enable-free-tier-alerts": "AWS Free Tier alerts are on: AWS emails when usage nears a Free Tier limit.",
}
"""The console switches played here, and what the console shows once each is done."""


@dataclass
class AccountExtras:
    """What the sandbox keeps of one account beside moto: analyzers, console switches."""

    analyzers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    switches: set[str] = field(default_factory=set)


STATES: dict[str, AccountExtras] = {}
LOCK = threading.Lock()


def clear() -> None:
    """Forget every account's analyzers and switches (a sandbox reset)."""
    with LOCK:
        STATES.clear()


def caller_arn(account_id: str, access_key_id: str) -> str:
    """Return the caller's ARN as moto's STS tells it (an assumed role's, or moto's default user)."""
    from moto.sts.models import sts_backends

    try:
        backend = sts_backends[account_id]["aws"]
    except KeyError:
        return f"arn:aws:sts::{account_id}:user/moto"
    return backend.get_caller_identity(access_key_id, "us-east-1")[1]


def manages_an_organization(account_id: str) -> bool:
    """Return True when the account manages an organization in moto."""
    from moto.organizations.models import organizations_backends

    organization = organizations_backends[account_id]["aws"].org
    return organization is not None and organization.master_account_id == account_id


def refuse_own_account_id(call: Call, account_id: str) -> Answer | None:
    """Refuse an alternate contact call that names the caller's own account, as AWS does."""
    operation = ALTERNATE_CONTACT_PATHS.get(call.path)
    if operation is None or call.json().get("AccountId") != account_id:
        return None
    reason = (" (The management account can only be managed using the standalone context from the management account.)"
              if manages_an_organization(account_id) else "")
    return rest_error(CallRefused(
        "AccessDeniedException",
        f"User: {caller_arn(account_id, call.access_key_id)} is not authorized to perform: account:{operation}{reason}",
        403,
    ))


def analyzer_summary(analyzer: dict[str, Any]) -> dict[str, Any]:
    """Return an analyzer as ``AnalyzerSummary`` has it."""
    return {key: analyzer[key] for key in ("arn", "name", "type", "createdAt", "status", "tags")}


def create_analyzer(extras: AccountExtras, account_id: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
    """Create an analyzer; refuse a taken name or a second analyzer of one type in the region."""
    name, kind = request.get("analyzerName", ""), request.get("type", "")
    if not ANALYZER_NAME.fullmatch(name or ""):
        raise CallRefused("ValidationException", "analyzerName must start with a letter: [A-Za-z][A-Za-z0-9_.-]*.")
    if kind not in ANALYZER_TYPES:
        raise CallRefused("ValidationException", f"type must be one of {', '.join(ANALYZER_TYPES)}.")
    if (region, name) in extras.analyzers:
        raise CallRefused("ConflictException", f"An analyzer named {name} already exists.", 409)
    if any(found["type"] == kind for (where, _), found in extras.analyzers.items() if where == region):
        raise CallRefused("ServiceQuotaExceededException",
                          f"An account can have one analyzer of type {kind} per region.", 402)
    arn = f"arn:aws:access-analyzer:{region}:{account_id}:analyzer/{name}"
    created = datetime.datetime.now(datetime.timezone.utc).isoformat()
    extras.analyzers[(region, name)] = {"arn": arn, "name": name, "type": kind, "createdAt": created,
                                        "status": "ACTIVE", "tags": dict(request.get("tags") or {})}
    return {"arn": arn}


def analyzer_of(extras: AccountExtras, region: str, name: str) -> dict[str, Any]:
    """Return the analyzer named ``name`` in ``region``, or refuse with ``ResourceNotFoundException``."""
    found = extras.analyzers.get((region, name))
    if found is None:
        raise CallRefused("ResourceNotFoundException", f"Analyzer {name} not found.", 404)
    return found


def analyzer_by_arn(extras: AccountExtras, arn: str) -> dict[str, Any]:
    """Return the analyzer of ``arn``, or refuse with ``ResourceNotFoundException``."""
    found = next((analyzer for analyzer in extras.analyzers.values() if analyzer["arn"] == arn), None)
    if found is None:
        raise CallRefused("ResourceNotFoundException", f"Resource {arn} not found.", 404)
    return found


def analyzer_call(extras: AccountExtras, call: Call, account_id: str) -> Answer | None:
    """Answer one IAM Access Analyzer call of those served here, or None."""
    region = call.region or "us-east-1"
    method, path = call.method, call.path
    if path == "/analyzer" and method == "PUT":
        return rest_answer(create_analyzer(extras, account_id, region, call.json()))
    if path == "/analyzer" and method == "GET":
        kind = call.query.get("type")
        return rest_answer({"analyzers": [analyzer_summary(found) for (where, _), found in sorted(extras.analyzers.items())
                                          if where == region and (not kind or found["type"] == kind)]})
    if path.startswith("/analyzer/") and path.count("/") == 2:
        name = unquote(path[len("/analyzer/"):])
        if method == "GET":
            return rest_answer({"analyzer": analyzer_summary(analyzer_of(extras, region, name))})
        if method == "DELETE":
            analyzer_of(extras, region, name)
            del extras.analyzers[(region, name)]
            return rest_answer(None)
    if path.startswith("/tags/"):
        analyzer = analyzer_by_arn(extras, unquote(path[len("/tags/"):]))
        if method == "GET":
            return rest_answer({"tags": analyzer["tags"]})
        if method == "POST":
            analyzer["tags"].update(call.json().get("tags") or {})
            return rest_answer({})
        if method == "DELETE":
            for key in call.query.get("tagKeys", "").split(","):
                analyzer["tags"].pop(key, None)
            return rest_answer({})
    return None


def answer_access_analyzer(call: Call, account_id: str) -> Answer | None:
    """Answer an IAM Access Analyzer call, or None for one the sandbox does not serve."""
    with LOCK:
        extras = STATES.setdefault(account_id, AccountExtras())
        try:
            return analyzer_call(extras, call, account_id)
        except CallRefused as refused:
            return rest_error(refused)


def answer_console_switch(call: Call, switch: str, account_id: str) -> Answer:
    """Play (``POST``) or ask about (``GET``) one of the billing console switches."""
    if call.query.get("user"):
        return control_answer({"error": f"{switch} is account-wide: it takes no user."}, status=400)
    with LOCK:
        extras = STATES.setdefault(account_id, AccountExtras())
        if call.method == "POST":
            already = switch in extras.switches
            extras.switches.add(switch)
            return control_answer({"done": ("Already done. " if already else "") + CONSOLE_SWITCHES[switch]})
        return control_answer({"step": switch, "user": "", "played": switch in extras.switches})
