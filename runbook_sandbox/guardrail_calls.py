"""The calls steps 07 to 99 make that moto lacks or gets wrong, spotted and answered in front of
moto (sandbox process only).

``server.SandboxApp`` asks ``answer_guardrail_call`` first; None sends the request on as before.
Only requests of these services are read (their bodies put back for moto):

- Cost Explorer (``X-Amz-Target: AWSInsightsIndexService.*``): anomaly detection, sample costs
  (``cost_services``);
- the Free Tier API (``AWSFreeTierService.GetAccountPlanState``, ``cost_services``);
- Budgets (``AWSBudgetServiceGateway.*``): the calls moto lacks and tags (``budget_services``);
- IAM Access Analyzer (signed ``access-analyzer``) and Account Management's alternate contacts
  with the caller's own ``AccountId`` (``account_services``);
- the billing switches only the console has (``/_sandbox/console/<switch>``, ``account_services``).

``clear_guardrail_state`` forgets it all; the server calls it on every reset.
"""

from __future__ import annotations

from typing import Any

from runbook_sandbox import account_services, budget_services, cost_services
from runbook_sandbox.json_calls import read_call
from runbook_sandbox.calls import signing_name
from runbook_sandbox.rest_json import Answer

CONSOLE_PREFIX = "/_sandbox/console/"


def answer_guardrail_call(environ: dict[str, Any], account_id: str) -> Answer | None:
    """Answer a request of the services above, or return None to let the sandbox go on.

    Args:
        environ: The request's WSGI environ (its body is put back when read).
        account_id: The account the sandbox answers as.
    """
    path = environ.get("PATH_INFO", "")
    if path.startswith(CONSOLE_PREFIX):
        switch = path[len(CONSOLE_PREFIX):]
        if switch not in account_services.CONSOLE_SWITCHES:
            return None
        call = read_call(environ)
        return account_services.answer_console_switch(call, switch, call.query.get("account", account_id))
    prefix = str(environ.get("HTTP_X_AMZ_TARGET", "")).partition(".")[0]
    if prefix == cost_services.CE_TARGET:
        return cost_services.answer_ce(read_call(environ), account_id)
    if prefix == cost_services.FREETIER_TARGET:
        return cost_services.answer_freetier(read_call(environ), account_id)
    if prefix == cost_services.BUDGETS_TARGET:
        return budget_services.answer_budgets(read_call(environ), account_id)
    service = signing_name(environ)
    if service == "access-analyzer":
        return account_services.answer_access_analyzer(read_call(environ), account_id)
    if service == "account" and path in account_services.ALTERNATE_CONTACT_PATHS:
        return account_services.refuse_own_account_id(read_call(environ), account_id)
    return None


def clear_guardrail_state() -> None:
    """Forget what these services keep: anomaly detection, tags, analyzers, console switches."""
    cost_services.clear()
    budget_services.clear()
    account_services.clear()
