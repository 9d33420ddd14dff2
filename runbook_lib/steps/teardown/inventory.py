"""Find what the runbook created, and only that: what its ledger and its marks both name.

Steps 03, 04 and 07 write each resource they create in the ledger with AWS's id for it, and tag it
where AWS takes tags (``managed-by: aws-guided-runbook``); Identity Center's groups and permission
sets also carry a description that says "created by the runbook". ``ownership.judge_ownership``
decides: the ledger's entry with the live id and the mark still on it, or, without an entry, the
tag alone. A same-named resource the runbook did not make (made by hand before it, or deleted and
made again) is listed as kept with why, never deleted; anything else made by hand is not listed.

The runbook's own way in is kept: when it acts through an Identity Center role (the Admin's
profile), that permission set, its assignments and the user signed in stay, since deleting them
would cut the teardown off half-way; the plan says how to remove them last, by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import botocore.exceptions

from runbook_lib.audit.clients import global_client
from runbook_lib.audit.collect_costs import collect_anomaly_detection, collect_budgets
from runbook_lib.audit.collect_hardening import collect_analyzers, collect_bucket, collect_trails
from runbook_lib.aws import AwsContext, error_code, translating_aws_errors
from runbook_lib.ledger import Ledger, is_runbook_tagged
from runbook_lib import addresses
from runbook_lib.steps.identity_center import IdentityCenterInstance
from runbook_lib.steps.teardown.ownership import Evidence, judge_ownership
from runbook_lib.target import CallerIdentity

PERMISSION_SET_MARK = "created by the runbook"
GROUP_MARK = "Created by the runbook"
DEVELOPER_SUFFIX = "-developer"
ASSUMED_ROLE = re.compile(r":assumed-role/AWSReservedSSO_(?P<permission_set>.+)_[0-9a-f]{16}/(?P<session>[^/]+)$")


@dataclass(frozen=True)
class Found:
    """One thing of the runbook's to delete.

    Attributes:
        address: The plan's address of it.
        kind: What it is, as the appliers name it (``sso_permission_set``, ``budgets_budget``...).
        resource_id: What AWS deletes it by (a name, an id or an ARN).
        name: Its name, for sentences.
        region: Where it lives ("" for global ones).
        detail: A sentence of what goes with it.
        extra: The other ids its deletion needs (a permission set's ARN, a principal's id).
    """

    address: str
    kind: str
    resource_id: str
    name: str
    region: str = ""
    detail: str = ""
    extra: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str:
        """Return one of ``extra``."""
        return dict(self.extra)[key]


@dataclass(frozen=True)
class Kept:
    """Something the teardown leaves as it is, and why (with how to remove it by hand)."""

    address: str
    reason: str


@dataclass(frozen=True)
class TeardownInventory:
    """What the teardown found, in the order it deletes it, and what it keeps."""

    account_id: str
    region: str
    found: tuple[Found, ...]
    kept: tuple[Kept, ...]
    instance: IdentityCenterInstance | None = None


def acting_through(caller: CallerIdentity | None) -> tuple[str, str]:
    """Return the permission set and user name the runbook acts through, or ("", "")."""
    matched = ASSUMED_ROLE.search(caller.arn) if caller is not None else None
    return (matched["permission_set"], matched["session"]) if matched else ("", "")


def claim(ledger: Ledger, found: Found, live_id: str, tags: dict[str, str], kept: list[Kept]) -> list[Found]:
    """Return ``[found]`` when the runbook made it (its ledger entry, id and tag: ``ownership``);
    else nothing, with a kept row when the ledger names its address (made again by hand)."""
    if ledger.get(found.address) is None and not is_runbook_tagged(tags):
        return []  # nothing says the runbook had a hand in it
    ownership = judge_ownership(ledger, Evidence(found.address, live_id, found.name, is_runbook_tagged(tags)))
    if ownership.ours:
        return [Found(found.address, found.kind, found.resource_id, found.name, found.region,
                      " ".join(filter(None, [found.detail, ownership.reason])), found.extra)]
    kept.append(Kept(found.address, ownership.reason))
    return []


@translating_aws_errors
def budget_tags(ctx: AwsContext, account_id: str, name: str) -> dict[str, str]:
    """Return a budget's tags ({} where the service keeps none).

    IAM actions: ``budgets:ListTagsForResource``.
    """
    try:
        listed = global_client(ctx, "budgets").list_tags_for_resource(
            ResourceARN=f"arn:aws:budgets::{account_id}:budget/{name}")["ResourceTags"]
    except botocore.exceptions.ClientError as error:
        if error_code(error) in ("NotFoundException", "ResourceNotFoundException"):
            return {}
        raise
    return {tag["Key"]: tag["Value"] for tag in listed}


@translating_aws_errors
def anomaly_tags(ctx: AwsContext, arn: str) -> dict[str, str]:
    """Return a cost anomaly monitor's or subscription's tags.

    IAM actions: ``ce:ListTagsForResource``.
    """
    listed = global_client(ctx, "ce").list_tags_for_resource(ResourceArn=arn)["ResourceTags"]
    return {tag["Key"]: tag["Value"] for tag in listed}


@translating_aws_errors
def find_cost_resources(ctx: AwsContext, account_id: str, ledger: Ledger, kept: list[Kept]) -> list[Found]:
    """Return the runbook's anomaly subscriptions, monitors and budgets (that order: a monitor
    goes after the subscriptions on it); a same-named one made by hand goes to ``kept``.

    IAM actions: those of ``collect_anomaly_detection`` and ``collect_budgets``,
    ``ce:ListTagsForResource``, ``budgets:ListTagsForResource``.
    """
    monitors, subscriptions = collect_anomaly_detection(ctx)
    found: list[Found] = []
    for subscription in subscriptions:
        found += claim(ledger, Found(addresses.anomaly_subscription_address(subscription.name), "ce_anomaly_subscription",
                                     subscription.arn, subscription.name, detail="The daily email of cost anomalies stops."),
                       subscription.arn, anomaly_tags(ctx, subscription.arn), kept)
    for monitor in monitors:
        found += claim(ledger, Found(addresses.anomaly_monitor_address(monitor.name), "ce_anomaly_monitor", monitor.arn,
                                     monitor.name, detail="Cost Anomaly Detection stops watching AWS services."),
                       monitor.arn, anomaly_tags(ctx, monitor.arn), kept)
    for budget in collect_budgets(ctx, account_id):
        found += claim(ledger, Found(addresses.budget_address(budget.name), "budgets_budget", budget.name, budget.name,
                                     detail=f"Its {len(budget.notifications)} alert(s) go with it."),
                       budget.name, budget_tags(ctx, account_id, budget.name), kept)
    return found


@translating_aws_errors
def find_hardening_resources(ctx: AwsContext, ledger: Ledger, kept: list[Kept]) -> list[Found]:
    """Return the runbook's trails, their buckets and its analyzers; a same-named one made by
    hand goes to ``kept``.

    IAM actions: those of ``collect_trails``, ``collect_bucket`` and ``collect_analyzers``.
    """
    found: list[Found] = []
    bucket_names = [entry.resource_id for entry in ledger.entries.values() if entry.address.startswith("s3_bucket.")]
    for trail in collect_trails(ctx):
        claimed = claim(ledger, Found(addresses.trail_address(trail.name), "cloudtrail_trail", trail.name, trail.name,
                                      trail.home_region, "Logging stops; the logs already written go with their bucket."),
                        trail.arn, trail.tags, kept)
        found += claimed
        bucket_names += [trail.bucket] if claimed else []
    for name in dict.fromkeys(bucket_names):
        bucket = collect_bucket(ctx, name)
        if bucket.exists and bucket.owned:
            found += claim(ledger, Found(addresses.bucket_address(name), "s3_bucket", name, name, ctx.region,
                                         "Emptied first: every log file in it is deleted (download them first if you need them)."),
                           name, bucket.tags, kept)
    for analyzer in collect_analyzers(ctx):
        found += claim(ledger, Found(addresses.analyzer_address(analyzer.name), "accessanalyzer_analyzer", analyzer.name,
                                     analyzer.name, analyzer.region, "Findings of external access are no longer reported."),
                       analyzer.arn, analyzer.tags, kept)
    return found
