"""Check the runbook's parameters before any AWS call is made.

A typo in a parameters cell should fail in the first cell that reads it, with a sentence that
names the field and the rule, not minutes later as an AWS ``ValidationException`` half-way
through a step. Each ``validate_*`` function takes the raw value (notebook parameters and form
fields arrive untyped, so values are ``object``), returns it normalised (e.g. stripped), or
raises :class:`runbook_lib.errors.InputError` naming the field.

Pure: no AWS calls and no network. ``account`` holds the rules of where the runbook acts,
``identity`` those of the people and permission sets it creates, ``text`` the shared text rule.
"""

from runbook_lib.validate.account import (
    ENVIRONMENT,
    NO_AWS_ACCESS,
    PROFILE,
    PROFILE_NAME_MAX_LENGTH,
    SANDBOX,
    TARGET_DESCRIPTIONS,
    TARGETS,
    known_regions,
    validate_account_id,
    validate_portal_url,
    validate_profile_exists,
    validate_profile_name,
    validate_region,
    validate_target,
)
from runbook_lib.validate.identity import (
    EMAIL_MAX_LENGTH,
    PERMISSION_SET_NAME_MAX_LENGTH,
    SESSION_HOURS_MAX,
    SESSION_HOURS_MIN,
    USER_NAME_MAX_LENGTH,
    iso_duration_to_hours,
    validate_email,
    validate_permission_set_name,
    validate_session_duration_hours,
    validate_user_name,
)
from runbook_lib.validate.text import (
    NAME_MAX_LENGTH,
    require_text,
    validate_display_text,
)

__all__ = [
    "EMAIL_MAX_LENGTH", "ENVIRONMENT", "NAME_MAX_LENGTH", "NO_AWS_ACCESS", "PERMISSION_SET_NAME_MAX_LENGTH",
    "PROFILE", "PROFILE_NAME_MAX_LENGTH", "SANDBOX", "SESSION_HOURS_MAX", "SESSION_HOURS_MIN",
    "TARGET_DESCRIPTIONS", "TARGETS", "USER_NAME_MAX_LENGTH",
    "iso_duration_to_hours", "known_regions", "require_text", "validate_account_id",
    "validate_display_text", "validate_email", "validate_permission_set_name", "validate_portal_url",
    "validate_profile_exists", "validate_profile_name", "validate_region",
    "validate_session_duration_hours", "validate_target", "validate_user_name",
]
