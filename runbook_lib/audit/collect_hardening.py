"""Collect the optional hardening: CloudTrail trails and their buckets, S3 account-level Block
Public Access, EBS encryption by default per region, IAM Access Analyzer.

Reads only; each is read only when asked for, so a run that chose none of them makes none of
these calls.
"""

from __future__ import annotations

from typing import Callable, TypeVar

import botocore.exceptions

from runbook_lib.audit.clients import client_in, s3control_client
from runbook_lib.audit.facts import AnalyzerFacts, BucketFacts, HardeningFacts, TrailFacts
from runbook_lib.aws import AwsContext, error_code, paginate, translating_aws_errors

PUBLIC_ACCESS_BLOCK_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
HARDENING_ITEMS = ("cloudtrail", "s3_block_public_access", "ebs_encryption_by_default", "access_analyzer")
"""The optional items of step 07, as its parameters and the ledger's choices name them."""
NOT_FOUND_CODES = frozenset({"NoSuchBucket", "404", "NotFound"})
NO_POLICY_CODES = frozenset({"NoSuchBucketPolicy"})
NO_BLOCK_CODES = frozenset({"NoSuchPublicAccessBlockConfiguration"})
NO_TAGS_CODES = frozenset({"NoSuchTagSet", "NoSuchTagSetError"})
T = TypeVar("T")


def tag_dict(tags: list[dict[str, str]], *, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """Return AWS's list of tags as a mapping."""
    return {tag[key]: tag[value] for tag in tags}


@translating_aws_errors
def collect_trails(ctx: AwsContext) -> tuple[TrailFacts, ...]:
    """Return the trails this region sees (multi-region ones from any home region) and their status.

    IAM actions: ``cloudtrail:DescribeTrails``, ``cloudtrail:GetTrailStatus``, ``cloudtrail:ListTags``.
    """
    cloudtrail = ctx.client("cloudtrail")
    found = []
    for trail in cloudtrail.describe_trails(includeShadowTrails=True).get("trailList", []):
        home = client_in(ctx, "cloudtrail", trail.get("HomeRegion", ctx.region))
        status = home.get_trail_status(Name=trail["TrailARN"])
        listed = home.list_tags(ResourceIdList=[trail["TrailARN"]]).get("ResourceTagList", [])
        found.append(TrailFacts(
            trail["Name"], trail["TrailARN"], trail.get("HomeRegion", ctx.region), trail.get("S3BucketName", ""),
            bool(trail.get("IsMultiRegionTrail")), bool(trail.get("LogFileValidationEnabled")),
            bool(status.get("IsLogging")), tag_dict(listed[0].get("TagsList", []) if listed else []),
        ))
    return tuple(found)


@translating_aws_errors
def collect_bucket(ctx: AwsContext, name: str) -> BucketFacts:
    """Return an S3 bucket's policy, Block Public Access and tags, or that it does not exist.

    ``GetBucketLocation`` tells the three cases apart (``NoSuchBucket``, ``AccessDenied`` for
    another account's, an answer for ours) with a body either way; the sandbox answers a
    ``HeadBucket`` of a missing bucket with 501.

    IAM actions: ``s3:GetBucketLocation``, ``s3:GetBucketPolicy``,
    ``s3:GetBucketPublicAccessBlock``, ``s3:GetBucketTagging``.
    """
    s3 = ctx.client("s3")
    try:
        s3.get_bucket_location(Bucket=name)
    except botocore.exceptions.ClientError as error:
        if error_code(error) in NOT_FOUND_CODES:
            return BucketFacts(name, exists=False)
        if error_code(error) in ("403", "AccessDenied"):
            return BucketFacts(name, exists=True, owned=False)
        raise
    return BucketFacts(
        name, exists=True, policy=read_or_default(lambda: s3.get_bucket_policy(Bucket=name)["Policy"], NO_POLICY_CODES, ""),
        public_access_block=read_or_default(
            lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"], NO_BLOCK_CODES, {}),
        tags=read_or_default(lambda: tag_dict(s3.get_bucket_tagging(Bucket=name)["TagSet"]), NO_TAGS_CODES, {}),
    )


def read_or_default(read: Callable[[], T], missing_codes: frozenset[str], default: T) -> T:
    """Return ``read()``, or ``default`` when AWS answers that the thing is not set."""
    try:
        return read()
    except botocore.exceptions.ClientError as error:
        if error_code(error) in missing_codes:
            return default
        raise


@translating_aws_errors
def collect_account_public_access_block(ctx: AwsContext, account_id: str) -> dict[str, bool]:
    """Return the account-level S3 Block Public Access (the four booleans), {} when none is set.

    IAM actions: ``s3:GetAccountPublicAccessBlock``.
    """
    try:
        answer = s3control_client(ctx, account_id).get_public_access_block(AccountId=account_id)
    except botocore.exceptions.ClientError as error:
        if error_code(error) in NO_BLOCK_CODES:
            return {}
        raise
    configuration = answer["PublicAccessBlockConfiguration"]
    return {key: bool(configuration.get(key)) for key in PUBLIC_ACCESS_BLOCK_KEYS}


def partition_of(region: str) -> str:
    """Return the partition a region belongs to: ``aws``, ``aws-cn`` or ``aws-us-gov``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@translating_aws_errors
def enabled_regions(ctx: AwsContext) -> list[str]:
    """Return the regions enabled for the account (opted in, or on by default), sorted.

    Only the regions of the context's partition count: AWS lists no others, and moto lists
    China's and GovCloud's beside the commercial ones.

    IAM actions: ``ec2:DescribeRegions``.
    """
    partition = partition_of(ctx.region)
    return sorted(region["RegionName"] for region in ctx.client("ec2").describe_regions()["Regions"]
                  if partition_of(region["RegionName"]) == partition)


@translating_aws_errors
def collect_ebs_encryption(ctx: AwsContext) -> dict[str, bool]:
    """Return, for each enabled region, whether EBS encryption by default is on.

    IAM actions: ``ec2:DescribeRegions``, ``ec2:GetEbsEncryptionByDefault`` (one per region).
    """
    return {
        region: bool(client_in(ctx, "ec2", region).get_ebs_encryption_by_default()["EbsEncryptionByDefault"])
        for region in enabled_regions(ctx)
    }


@translating_aws_errors
def collect_analyzers(ctx: AwsContext) -> tuple[AnalyzerFacts, ...]:
    """Return the IAM Access Analyzer analyzers of the context's region.

    IAM actions: ``access-analyzer:ListAnalyzers``.
    """
    return tuple(
        AnalyzerFacts(analyzer["name"], analyzer["arn"], analyzer["type"], analyzer.get("status", ""), ctx.region,
                      dict(analyzer.get("tags") or {}))
        for analyzer in paginate(ctx.client("accessanalyzer"), "list_analyzers", "analyzers")
    )


@translating_aws_errors
def collect_hardening(ctx: AwsContext, account_id: str, items: frozenset[str], *, trail_buckets: tuple[str, ...] = ()) -> HardeningFacts:
    """Return the hardening settings named in ``items`` (``HARDENING_ITEMS``); the rest stay None.

    Args:
        trail_buckets: Buckets to read besides those of the trails found (step 07's bucket,
            before its trail exists).

    IAM actions: those of ``collect_trails`` and ``collect_bucket`` (``cloudtrail``),
    ``collect_account_public_access_block`` (``s3_block_public_access``), ``collect_ebs_encryption``
    (``ebs_encryption_by_default``), ``collect_analyzers`` (``access_analyzer``).
    """
    trails = collect_trails(ctx) if "cloudtrail" in items else None
    buckets: tuple[BucketFacts, ...] = ()
    if trails is not None:
        names = dict.fromkeys([*trail_buckets, *(trail.bucket for trail in trails if trail.bucket)])
        buckets = tuple(collect_bucket(ctx, name) for name in names)
    return HardeningFacts(
        trails=trails, trail_buckets=buckets,
        public_access_block=collect_account_public_access_block(ctx, account_id) if "s3_block_public_access" in items else None,
        ebs_encryption=collect_ebs_encryption(ctx) if "ebs_encryption_by_default" in items else None,
        analyzers=collect_analyzers(ctx) if "access_analyzer" in items else None,
    )
