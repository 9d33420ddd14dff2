"""Plan step 07's optional hardening (pure): each item only when chosen, each with its cost said.

- a multi-region CloudTrail trail with log file validation, into a new S3 bucket whose policy lets
  only CloudTrail write (and refuses plain HTTP);
- S3 Block Public Access for the whole account;
- EBS encryption by default in every enabled region;
- an IAM Access Analyzer of external access in the runbook's region.

A bucket of the chosen name that exists and is not the runbook's (no tag, not in the ledger) is a
``conflict``: the runbook never rewrites the policy of a bucket it did not make.
"""

from __future__ import annotations

from runbook_lib.audit.collect_hardening import PUBLIC_ACCESS_BLOCK_KEYS
from runbook_lib.audit.facts import BucketFacts
from runbook_lib.audit.judge_guardrails import is_cloudtrail_only_policy
from runbook_lib.ledger import is_runbook_tagged
from runbook_lib.plan import CONFLICT, CREATE, NO_OP, UPDATE, Change
from runbook_lib import addresses
from runbook_lib.steps.guardrails.read import GuardrailsState
from runbook_lib.steps.guardrails.specs import HardeningSpec

TRAIL_COST = (
    "The first copy of management events in each region is free; the bucket's storage is billed "
    "(S3 Standard, usually cents a month for one person's account)."
)
BUCKET_COST = "S3 storage of the log files, usually cents a month; the bucket itself is free."


def plan_hardening(state: GuardrailsState, wanted: HardeningSpec) -> list[Change]:
    """Return the changes of the hardening items chosen (none when none is)."""
    changes: list[Change] = []
    if wanted.cloudtrail:
        changes += plan_trail(state, wanted)
    if wanted.s3_block_public_access:
        changes += plan_public_access_block(state)
    if wanted.ebs_encryption_by_default:
        changes += plan_ebs_encryption(state)
    if wanted.access_analyzer:
        changes += plan_access_analyzer(state, wanted.analyzer_name)
    return changes


def is_runbooks_bucket(state: GuardrailsState, bucket: BucketFacts) -> bool:
    """Return True when the runbook made this bucket (its tags, or the ledger says so)."""
    return is_runbook_tagged(bucket.tags) or addresses.bucket_address(bucket.name) in state.runbook_addresses


def plan_trail(state: GuardrailsState, wanted: HardeningSpec) -> list[Change]:
    """Return the trail's bucket and the trail to create or bring in line."""
    trails = state.hardening.trails or ()
    trail = next((found for found in trails if found.name == wanted.trail_name), None)
    bucket_name = trail.bucket if trail is not None and trail.bucket else wanted.bucket_name
    bucket = next((found for found in state.hardening.trail_buckets if found.name == bucket_name), BucketFacts(bucket_name, False))
    changes = plan_trail_bucket(state, bucket, used_by_trail=trail is not None)
    if any(change.action == CONFLICT for change in changes):
        return changes
    address = addresses.trail_address(wanted.trail_name)
    wanted_trail = {"multi_region": True, "log_file_validation": True, "logging": True}
    if trail is None:
        changes.append(Change(
            CREATE, address,
            f"A trail of every region's management events into s3://{bucket_name}, with log file validation "
            f"(a digest file a day proves no log was changed), logging started. {TRAIL_COST}",
            "create_trail", after={**wanted_trail, "bucket": bucket_name},
        ))
        return changes
    found = {"multi_region": trail.multi_region, "log_file_validation": trail.log_file_validation, "logging": trail.is_logging}
    if found != wanted_trail:
        changes.append(Change(
            UPDATE, address, "Drift: the trail is brought back to multi-region, validating and logging.",
            "update_trail", before=found, after=wanted_trail,
        ))
    return changes


def plan_trail_bucket(state: GuardrailsState, bucket: BucketFacts, *, used_by_trail: bool) -> list[Change]:
    """Return the trail bucket to create, its policy to restore, or the conflict of a bucket that
    is not the runbook's."""
    address = addresses.bucket_address(bucket.name)
    if not bucket.exists:
        return [Change(
            CREATE, address,
            f"A private bucket for the trail's logs: Block Public Access on, a policy that lets only CloudTrail "
            f"write and refuses plain HTTP, tagged as the runbook's. {BUCKET_COST}",
            "create_trail_bucket", after={"policy": "CloudTrail only", "block_public_access": True},
        )]
    if not bucket.owned:
        return [Change(CONFLICT, address, f"The bucket name {bucket.name} belongs to another AWS account: "
                       "choose another `trail_bucket_name`.", before="another account's")]
    if not is_runbooks_bucket(state, bucket) and not used_by_trail:
        return [Change(CONFLICT, address, f"Bucket {bucket.name} exists and was not made by the runbook; its policy is "
                       "left as it is: choose another `trail_bucket_name`.", before="not the runbook's")]
    if is_cloudtrail_only_policy(bucket.policy):
        return []
    if not is_runbooks_bucket(state, bucket):
        return [Change(NO_OP, address, f"The trail's bucket {bucket.name} was not made by the runbook; its policy "
                       "is left as it is (the audit says whether it is CloudTrail only).")]
    return [Change(UPDATE, address, "Drift: the bucket's policy is set back to CloudTrail only.",
                   "put_trail_bucket_policy", before="another policy", after="CloudTrail only")]


def plan_public_access_block(state: GuardrailsState) -> list[Change]:
    """Return the account-level S3 Block Public Access to switch on, when any of its four is off."""
    found = state.hardening.public_access_block or {}
    wanted = {key: True for key in PUBLIC_ACCESS_BLOCK_KEYS}
    if found == wanted:
        return []
    return [Change(
        UPDATE, addresses.account_public_access_block_address(state.account_id),
        "Block public ACLs and public bucket policies on every bucket of the account, existing ones included (a "
        "bucket meant to be public, such as a static website, stops being public). Free.",
        "put_account_public_access_block", before=found or None, after=wanted,
    )]


def plan_ebs_encryption(state: GuardrailsState) -> list[Change]:
    """Return EBS encryption by default to switch on, region by region."""
    return [
        Change(UPDATE, addresses.ebs_encryption_address(region),
               f"New EBS volumes and snapshot copies in {region} are encrypted (with the AWS managed key aws/ebs unless "
               "you choose another); existing volumes are not changed. Free: the AWS managed key costs nothing.",
               "enable_ebs_encryption_by_default", before=False, after=True)
        for region, on in sorted((state.hardening.ebs_encryption or {}).items()) if not on
    ]


def plan_access_analyzer(state: GuardrailsState, name: str) -> list[Change]:
    """Return the analyzer of external access to create, when the region has none."""
    analyzers = [found for found in state.hardening.analyzers or () if found.analyzer_type in ("ACCOUNT", "ORGANIZATION")]
    if analyzers:
        existing = analyzers[0]
        if existing.name == name:
            return []
        return [Change(NO_OP, addresses.analyzer_address(existing.name),
                       f"The region already has the analyzer {existing.name} ({existing.analyzer_type}); one is enough.")]
    return [Change(
        CREATE, addresses.analyzer_address(name),
        f"An IAM Access Analyzer of external access in {state.region}: it reports resources shared outside the "
        "account (buckets, roles, keys). Free (only unused-access analysis is charged, and it is not turned on).",
        "create_access_analyzer", after={"type": "ACCOUNT"},
    )]

