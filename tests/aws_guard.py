"""A guard for the tests that promise no AWS call: any botocore API call fails the test.

Every client's call goes through ``BaseClient._make_api_call`` (the clients botocore's own
credential providers make too), so refusing it there refuses every AWS call of the process.
"""

from __future__ import annotations

import botocore.client
import pytest


def refuse_every_aws_call(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make any AWS API call fail the test; return the list the attempts are noted in."""
    attempted: list[str] = []

    def refuse(client: botocore.client.BaseClient, operation_name: str, api_params: object) -> None:
        attempted.append(f"{client.meta.service_model.service_name}:{operation_name}")
        pytest.fail(f"an AWS call was made where none may be: {attempted[-1]}")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)
    return attempted
