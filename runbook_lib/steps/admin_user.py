"""Step 03: the ``Admin`` user with the ``AdministratorAccess`` permission set on this account.

After this step the person never needs root again: the Admin signs in through the access
portal with MFA, and (after step 05) the runbook itself acts through the Admin's SSO profile.
"""

from __future__ import annotations

from runbook_lib import validate
from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.aws_memo import reads_once
from runbook_lib.catalogue import ADMINISTRATOR_ACCESS_ARN, OUT_OF_SCOPE_ACTION
from runbook_lib.checks import Verification, verification_of
from runbook_lib.steps import access, checklist, least_privilege
from runbook_lib.steps.identity_center import IdentityCenterInstance

STEP_ID = "03_create_admin_user"
DEFAULT_USER_NAME = "Admin"
DEFAULT_PERMISSION_SET_NAME = "AdministratorAccess"
ADMIN_PROOF_ACTION = OUT_OF_SCOPE_ACTION
"""An action only an administrator may do: the Admin's role must be allowed it."""


def build_admin_spec(
    *,
    user_name: str,
    given_name: str,
    family_name: str,
    display_name: str,
    email: str,
    permission_set_name: str,
    session_duration_hours: int,
    group_name: str,
) -> access.AccessSpec:
    """Validate the step's parameters and return what it asks for.

    Raises:
        InputError: naming the first field that breaks its rule (before any AWS call).
    """
    return access.AccessSpec(
        user=access.build_user_spec(
            user_name=validate.validate_user_name(user_name), given_name=given_name,
            family_name=family_name, display_name=display_name, email=email,
        ),
        permission_set=access.PermissionSetSpec(
            name=validate.validate_permission_set_name(permission_set_name),
            description="Full administrator access; created by the runbook (step 03).",
            managed_policy_arns=(ADMINISTRATOR_ACCESS_ARN,),
            session_duration=validate.validate_session_duration_hours(session_duration_hours),
        ),
        group_name=access.validate_group_name(group_name),
    )


@translating_aws_errors
@reads_once
def verify_admin(
    ctx: AwsContext,
    instance: IdentityCenterInstance,
    account_id: str,
    spec: access.AccessSpec,
    confirmations: dict[str, bool],
    *,
    iam_wait: least_privilege.IamWait | None = None,
) -> Verification:
    """Read the live state and judge it: user, exact policies, assignment, admin rights, checklist.

    A user in conflict (another email) fails, and its checklist confirmations do not count:
    it may be someone else's user.

    Args:
        iam_wait: Right after this run applied the step, how to wait for IAM to show the role as
            provisioned; used only when Identity Center already holds the access as asked
            (``access.iam_may_lag``). None: read once.

    IAM actions: those of ``access.read_access_state`` and ``least_privilege.check_role_permissions``.
    """
    state = access.read_access_state(ctx, instance, account_id, spec)
    return verification_of(
        STEP_ID,
        access.verify_access(state, spec),
        least_privilege.check_role_permissions(
            ctx, spec.permission_set.name, must_allow=[ADMIN_PROOF_ACTION], must_deny=[],
            wait=iam_wait if access.iam_may_lag(state, spec) else None,
        ),
        access.discount_confirmations(
            checklist.verify_checklist(checklist.ADMIN_CHECKLIST, confirmations, spec.user.user_name, region=ctx.region),
            state, spec,
        ),
    )
