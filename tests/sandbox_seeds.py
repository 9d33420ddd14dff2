"""The sandbox account each step's notebook starts from, for nbval and its reference outputs.

Each notebook runs on a fresh, seeded account holding what the earlier steps would have made,
so "Run All" of step NN shows that step's own plan; conftest and make_reference_notebooks.py
both call this, so the two start from the very same account (and the same seeded ids).
"""

from __future__ import annotations

from pathlib import Path

import boto3

from runbook_lib.sandbox import SandboxClient

SEED = 42
"""Seed for moto's ids after every reset, so ARNs and ids repeat across runs."""
REGION = "us-east-1"

ISOLATED_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)
"""Variables that could lead a test to real credentials; removed before anything runs."""


def isolated_variables(home: Path) -> dict[str, str]:
    """Return the environment that keeps the tests (and their kernels) in ``home``, off real AWS."""
    return {
        "HOME": str(home),
        "RUNBOOK_HOME": str(home / ".runbook"),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": REGION,
    }


def prepare_account_for(step: str, sandbox: SandboxClient) -> None:
    """Reset the sandbox with ``SEED``, then make what the steps before ``step`` make.

    Args:
        step: A notebook's name, e.g. ``03_create_admin_user``.
    """
    sandbox.reset(seed=SEED)
    number = int(step[:2])
    if number >= 3:  # users need the organization and the Identity Center instance (step 02)
        boto3.client(
            "organizations", endpoint_url=sandbox.url, region_name=REGION,
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
        ).create_organization(FeatureSet="ALL")
        sandbox.play_console_step("enable-identity-center", region=REGION)
