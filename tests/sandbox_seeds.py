"""The sandbox account each step's notebook starts from, for nbval and its reference outputs.

Each notebook runs on a fresh, seeded account holding what the earlier steps make (through the
library's catch-up, the one 00_start_here offers a learner), so "Run All" of step NN shows that
step's own plan; conftest and make_reference_notebooks.py both call this, so the two start from
the very same account (and the same seeded ids).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from runbook_lib import awsconfig
from runbook_lib.aws import sandbox_context
from runbook_lib.catch_up import CATCH_UP_STEPS, catch_up_sandbox_at
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
    """Reset the sandbox with ``SEED``, then catch it up to the step before ``step``.

    The catch-up is the library's own (``runbook_lib.catch_up``, 00_start_here's "Catch me up"):
    each earlier step planned and applied as its notebook does it, console steps played, so the
    account is the one a learner who ran the notebooks before ``step`` has.

    Args:
        step: A notebook's name, e.g. ``03_create_admin_user``.
    """
    sandbox.reset(seed=SEED)  # also removes the sandbox's config file, sign-ins and settings
    shutil.rmtree(Path.home() / ".aws" / "sso" / "cache", ignore_errors=True)  # no sign-in carried over
    earlier = [known for known in CATCH_UP_STEPS if known < step]
    if earlier:
        catch_up_sandbox_at(sandbox.url, earlier[-1], examples=SANDBOX_EXAMPLES, region=REGION)


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
