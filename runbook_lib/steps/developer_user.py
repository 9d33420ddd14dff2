"""Step 04: ``<name>-developer``, with a permission set built only from the services they use.

Least privilege is verified honestly: the evaluator (IAM's policy simulator, or moto's in the
sandbox) must allow an action of each chosen service and deny one outside them; in the sandbox,
real calls with the role's own credentials must do the same.
"""

from __future__ import annotations

from runbook_lib import catalogue, validate
from runbook_lib.aws import AwsContext, translating_aws_errors
from runbook_lib.aws_memo import reads_once
from runbook_lib.checks import Verification, verification_of
from runbook_lib.errors import InputError
from runbook_lib.steps import access, checklist, least_privilege
from runbook_lib.steps.identity_center import IdentityCenterInstance

STEP_ID = "04_create_developer_user"
DEVELOPER_SUFFIX = "-developer"
UNCHOSEN_SERVICES_PROVED_DENIED = 2
"""How many services the person did not choose are shown denied, besides ``iam:CreateUser``."""


def developer_user_name(developer_name: str) -> str:
    """Return ``<name>-developer``, validated as an Identity Center user name.

    Raises:
        InputError: naming ``developer_name`` when the name is empty or the result is not valid.
    """
    name = validate.validate_display_text(developer_name, field="developer_name")
    if any(character.isspace() for character in name):
        raise InputError("developer_name", developer_name, "must be one word (no spaces), e.g. ada")
    return validate.validate_user_name(f"{name}{DEVELOPER_SUFFIX}", field="developer_name")


def build_developer_spec(
    *,
    developer_name: str,
    given_name: str,
    family_name: str,
    display_name: str,
    email: str,
    services: list[str],
    permission_set_name: str,
    session_duration_hours: int,
    group_name: str,
) -> tuple[access.AccessSpec, tuple[str, ...]]:
    """Validate the step's parameters; return what it asks for and the chosen services.

    Raises:
        InputError: naming the first field that breaks its rule (before any AWS call).
    """
    user_name = developer_user_name(developer_name)
    chosen = catalogue.validate_services(services)
    spec = access.AccessSpec(
        user=access.build_user_spec(
            user_name=user_name, given_name=given_name, family_name=family_name,
            display_name=display_name, email=email,
        ),
        permission_set=access.PermissionSetSpec(
            name=validate.validate_permission_set_name(permission_set_name),
            description=f"Least privilege for: {', '.join(chosen)}; created by the runbook (step 04).",
            managed_policy_arns=catalogue.policies_for(chosen),
            session_duration=validate.validate_session_duration_hours(session_duration_hours),
        ),
        group_name=access.validate_group_name(group_name),
    )
    return spec, chosen


def unchosen_services_proved_denied(services: tuple[str, ...]) -> list[catalogue.Service]:
    """Return the services shown denied besides ``iam:CreateUser``: a couple the person did not
    choose, or none when a preset (which spans services) was chosen."""
    if any(service.key in services for service in catalogue.PRESETS):
        return []
    unchosen = [service for service in catalogue.SERVICES if service.key not in services]
    return unchosen[:UNCHOSEN_SERVICES_PROVED_DENIED]


def least_privilege_proof(services: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Return the actions that must be allowed (one per chosen service) and must be denied.

    Denied: ``iam:CreateUser`` always; and, unless a preset (which spans services) was chosen,
    an action of a couple of services the person did not choose.
    """
    must_allow = list(catalogue.example_allowed_actions(services))
    must_deny = [catalogue.OUT_OF_SCOPE_ACTION]
    must_deny += [service.example_actions[0] for service in unchosen_services_proved_denied(services)]
    return must_allow, must_deny


def sandbox_call_probes(
    services: tuple[str, ...],
) -> tuple[list[least_privilege.CallProbe], list[least_privilege.CallProbe]]:
    """Return the real calls the sandbox-only proof makes as the role: one read per chosen service
    that must answer, and ``iam:CreateUser`` with a read of the services shown denied, which
    must be refused (the same services as ``least_privilege_proof``)."""
    must_succeed = [least_privilege.CHOSEN_SERVICE_PROBES[key] for key in services]
    must_be_denied = [least_privilege.CREATE_USER_PROBE] + [
        least_privilege.OTHER_SERVICE_PROBES[service.key] for service in unchosen_services_proved_denied(services)
    ]
    return must_succeed, must_be_denied


@translating_aws_errors
@reads_once
def verify_developer(
    ctx: AwsContext,
    instance: IdentityCenterInstance,
    account_id: str,
    spec: access.AccessSpec,
    services: tuple[str, ...],
    confirmations: dict[str, bool],
    *,
    iam_wait: least_privilege.IamWait | None = None,
) -> Verification:
    """Read the live state and judge it: user, exact policies, assignment, least privilege, checklist.

    A user in conflict (another email) fails, and its checklist confirmations do not count:
    it may be someone else's user. Least privilege is the simulator's proof everywhere; in the
    sandbox, real calls as the role beside it (``least_privilege.check_role_calls``), which the
    sandbox's access control answers.

    Args:
        iam_wait: Right after this run applied the step, how to wait for IAM to show the role as
            provisioned; used only when Identity Center already holds the access as asked
            (``access.iam_may_lag``). None: read once.

    IAM actions: those of ``access.read_access_state`` and ``least_privilege.check_role_permissions``
    (in the sandbox, also those of ``least_privilege.check_role_calls``).
    """
    state = access.read_access_state(ctx, instance, account_id, spec)
    must_allow, must_deny = least_privilege_proof(services)
    real_calls = []
    if ctx.is_sandbox:
        must_succeed, must_be_denied = sandbox_call_probes(services)
        real_calls = least_privilege.check_role_calls(
            ctx, spec.permission_set.name, must_succeed=must_succeed, must_be_denied=must_be_denied,
            session_name=spec.user.user_name,
        )
    return verification_of(
        STEP_ID,
        access.verify_access(state, spec),
        least_privilege.check_role_permissions(
            ctx, spec.permission_set.name, must_allow=must_allow, must_deny=must_deny,
            resources=catalogue.EXAMPLE_RESOURCES, wait=iam_wait if access.iam_may_lag(state, spec) else None,
        ),
        access.discount_confirmations(
            checklist.verify_checklist(checklist.DEVELOPER_CHECKLIST, confirmations, spec.user.user_name, region=ctx.region),
            state, spec,
        ),
        real_calls,
    )
