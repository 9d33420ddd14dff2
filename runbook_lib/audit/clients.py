"""Clients the audit and step 07 need beyond the context's own region.

Budgets, Cost Explorer and the Free Tier API answer in us-east-1 whatever region the runbook
works in, EBS encryption by default is set per region, and S3 Control puts the account id in
its host name (``123456789012.s3-control.<region>.amazonaws.com``), which a sandbox on
127.0.0.1 cannot answer to; so the sandbox's S3 Control requests go to its plain URL. Every
client comes from the context's session, so the call recorder counts their calls too.
"""

from __future__ import annotations

from typing import Any

from runbook_lib.aws import AwsContext

GLOBAL_REGION = "us-east-1"
"""Where Budgets, Cost Explorer and the Free Tier API answer."""


def client_in(ctx: AwsContext, service: str, region: str) -> Any:
    """Return a client for ``service`` in ``region`` (the context's own when it is that region)."""
    return ctx.client(service, region)


def global_client(ctx: AwsContext, service: str) -> Any:
    """Return a client for a service that answers in us-east-1 only (budgets, ce, freetier)."""
    return client_in(ctx, service, GLOBAL_REGION)


def s3control_client(ctx: AwsContext, account_id: str) -> Any:
    """Return the S3 Control client; in the sandbox, its requests go to the sandbox's own host."""
    client = ctx.client("s3control")
    if ctx.endpoint_url and not getattr(client, "_runbook_host_fixed", False):
        prefix = f"://{account_id}."

        def send_to_the_sandbox(request: Any, **_: Any) -> None:
            request.url = request.url.replace(prefix, "://", 1)

        client.meta.events.register("before-send.s3-control", send_to_the_sandbox)
        client._runbook_host_fixed = True
    return client
