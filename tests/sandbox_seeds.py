"""The sandbox account each step's notebook starts from, for nbval and its reference outputs.

Each notebook runs on a fresh, seeded account holding what the earlier steps would have made,
so "Run All" of step NN shows that step's own plan; conftest and make_reference_notebooks.py
both call this, so the two start from the very same account (and the same seeded ids).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3

from runbook_lib import awsconfig
from runbook_lib.aws import sandbox_context
from runbook_lib.notebook import SANDBOX_EXAMPLES
from runbook_lib.sandbox import SandboxClient
from runbook_lib.steps import access, cli_profiles
from runbook_lib.steps.cli_profiles import sandbox_config_file
from runbook_lib.steps.developer_user import build_developer_spec
from runbook_lib.steps.identity_center import require_instance

SEED = 42
"""Seed for moto's ids after every reset, so ARNs and ids repeat across runs."""
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"

def prepare_account_for(step: str, sandbox: SandboxClient) -> None:
    """Reset the sandbox with ``SEED``, then make what the steps before ``step`` make.

    Args:
        step: A notebook's name, e.g. ``03_create_admin_user``.
    """
    sandbox.reset(seed=SEED)
    shutil.rmtree(Path.home() / ".aws" / "sso" / "cache", ignore_errors=True)  # no sign-in carried over
    sandbox_config_file().unlink(missing_ok=True)
    number = int(step[:2])
    if number >= 3:  # users need the organization and the Identity Center instance (step 02)
        boto3.client(
            "organizations", endpoint_url=sandbox.url, region_name=REGION,
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
        ).create_organization(FeatureSet="ALL")
        sandbox.play_console_step("enable-identity-center", region=REGION)
    if number >= 6:  # signing in needs the developer's access (step 04) and profile (step 05)
        create_example_developer_and_profile(sandbox)


def create_example_developer_and_profile(sandbox: SandboxClient) -> None:
    """Do what steps 04 and 05 do with the sandbox's example values, through the library."""
    ctx = sandbox_context(sandbox.url, REGION)
    instance = require_instance(ctx)
    spec, _ = build_developer_spec(
        developer_name=SANDBOX_EXAMPLES["developer_name"], given_name=SANDBOX_EXAMPLES["given_name"],
        family_name=SANDBOX_EXAMPLES["family_name"], display_name="", email=SANDBOX_EXAMPLES["email"],
        services=SANDBOX_EXAMPLES["services"], permission_set_name="DeveloperAccess", session_duration_hours=4,
        group_name="",
    )
    state = access.read_access_state(ctx, instance, ACCOUNT_ID, spec)
    access.apply_access(ctx, access.plan_access("seed", state, spec), state, spec)
    fields = cli_profiles.validate_fields(developer_profile=spec.user.user_name).with_defaults(sandbox=True)
    profiles, sessions = cli_profiles.build_profiles(
        fields, account_id=ACCOUNT_ID, region=REGION, portal_url=cli_profiles.resolve_portal_url(ctx, "")
    )
    path = sandbox_config_file()
    awsconfig.write_config(awsconfig.plan_config_file(profiles, sessions, path=path))
