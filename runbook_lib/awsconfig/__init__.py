"""The AWS CLI config file: what ``aws configure sso`` would write, merged in safely.

One module per job, as everywhere in the runbook:

* :mod:`~runbook_lib.awsconfig.parse`: read the file by botocore's rules, every byte kept.
* :mod:`~runbook_lib.awsconfig.sections`: :class:`SsoProfile` and :class:`SsoSession`, made by
  :func:`build_sso_profile` and :func:`build_sso_session`, which validate every field.
* :mod:`~runbook_lib.awsconfig.plan` (pure): :func:`plan_config_changes` turns the file's text
  into a :class:`ConfigPlan` of :class:`runbook_lib.plan.Change`\\ s, one per section, with the
  section's keys before and after, the whole new text and a diff: the plan is the dry run.
* :mod:`~runbook_lib.awsconfig.merge` (pure): merge one section into the text.
* :mod:`~runbook_lib.awsconfig.write`: find the file as botocore does, and write: the
  :data:`APPLIERS` merge one section each through a :class:`ConfigWriter` (atomic, one backup
  per run), for :func:`runbook_lib.plan.apply_plan`; :func:`write_config` applies a whole plan.
"""

from runbook_lib.awsconfig.merge import merge_section
from runbook_lib.awsconfig.parse import parse_config_text
from runbook_lib.awsconfig.plan import (
    WRITE_SECTION,
    ConfigPlan,
    KeyDifference,
    kept_keys,
    key_differences,
    plan_config_changes,
)
from runbook_lib.awsconfig.sections import (
    DEFAULT_REGISTRATION_SCOPES,
    OUTPUT_FORMATS,
    PROFILE_KEYS,
    SESSION_KEYS,
    SsoProfile,
    SsoSession,
    build_sso_profile,
    build_sso_session,
    section_address,
    validate_output,
)
from runbook_lib.awsconfig.write import (
    APPLIERS,
    ConfigWriter,
    WriteResult,
    find_config_file,
    plan_config_file,
    read_config_text,
    write_config,
    write_section,
)

__all__ = [
    "APPLIERS",
    "DEFAULT_REGISTRATION_SCOPES",
    "OUTPUT_FORMATS",
    "PROFILE_KEYS",
    "SESSION_KEYS",
    "WRITE_SECTION",
    "ConfigPlan",
    "ConfigWriter",
    "KeyDifference",
    "SsoProfile",
    "SsoSession",
    "WriteResult",
    "build_sso_profile",
    "build_sso_session",
    "find_config_file",
    "kept_keys",
    "key_differences",
    "merge_section",
    "parse_config_text",
    "plan_config_changes",
    "plan_config_file",
    "read_config_text",
    "section_address",
    "validate_output",
    "write_config",
    "write_section",
]
