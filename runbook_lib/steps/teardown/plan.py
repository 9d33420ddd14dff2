"""Plan the teardown (pure): a delete per thing the runbook created, and why the rest stays.

The organization and IAM Identity Center stay: the organization cannot be deleted while it has
other accounts, deleting it takes Identity Center (and every user and assignment in it) along,
and both cost nothing; so the plan says how to remove them by hand instead. Settings the
runbook switched on (S3 Block Public Access, EBS encryption, the security contact) only make the
account safer and cost nothing: they stay too, each with the console path to switch it off.
"""

from __future__ import annotations

from typing import Callable

from runbook_lib.ledger import SETTING, Ledger
from runbook_lib.plan import DELETE, NO_OP, Change, Plan
from runbook_lib import addresses
from runbook_lib.steps.teardown.inventory import Found, TeardownInventory

STEP_ID = "99_teardown"
CONFIRMATION = "delete {account_id}"
"""What the person types (or sets ``confirm`` to) before anything is deleted."""
ORGANIZATION_GUIDE = (
    "Stays: the organization costs nothing, cannot be deleted while it has member accounts, and deleting it "
    "deletes IAM Identity Center with every user and assignment in it. By hand, once nothing else needs it: "
    "AWS Organizations > Settings > Delete organization (remove member accounts first)."
)
IDENTITY_CENTER_GUIDE = (
    "Stays: IAM Identity Center is free and has no delete API. By hand: IAM Identity Center > Settings > "
    "Management > Delete IAM Identity Center configuration (users, groups, permission sets and assignments go with it)."
)
SETTING_GUIDES = {
    "account_alternate_contact": "Stays: a security contact makes the account safer. To remove it: the account menu > "
                                 "Account > Alternate contacts > Security contact > Edit > remove.",
    "s3_account_public_access_block": "Stays: Block Public Access only makes the account safer. To switch it off: "
                                      "S3 > Block Public Access settings for this account > Edit.",
    "ec2_ebs_encryption_by_default": "Stays: encryption by default only makes new volumes safer. To switch it off: "
                                     "EC2 (in that region) > Settings > EBS encryption > Manage > Disable.",
}


def sentence(found: Found) -> str:
    """Return what deleting ``found`` does, for the plan."""
    return f"Delete {found.name}. {found.detail}".strip()


DELETES: dict[str, Callable[[Found], Change]] = {
    "sso_account_assignment": lambda found: Change(DELETE, found.address, sentence(found), "delete_account_assignment", before=found.name),
    "sso_permission_set": lambda found: Change(DELETE, found.address, sentence(found), "delete_permission_set", before=found.name),
    "identitystore_group": lambda found: Change(DELETE, found.address, sentence(found), "delete_group", before=found.name),
    "identitystore_group_membership": lambda found: Change(
        DELETE, found.address, sentence(found), "delete_group_membership", before=found.name),
    "identitystore_user": lambda found: Change(DELETE, found.address, sentence(found), "delete_user", before=found.name),
    "ce_anomaly_subscription": lambda found: Change(
        DELETE, found.address, sentence(found), "delete_anomaly_subscription", before=found.name),
    "ce_anomaly_monitor": lambda found: Change(DELETE, found.address, sentence(found), "delete_anomaly_monitor", before=found.name),
    "budgets_budget": lambda found: Change(DELETE, found.address, sentence(found), "delete_budget", before=found.name),
    "cloudtrail_trail": lambda found: Change(DELETE, found.address, sentence(found), "delete_trail", before=found.name),
    "s3_bucket": lambda found: Change(DELETE, found.address, sentence(found), "delete_bucket", before=found.name),
    "accessanalyzer_analyzer": lambda found: Change(
        DELETE, found.address, sentence(found), "delete_access_analyzer", before=found.name),
}
"""The change that deletes each kind the inventory finds (operations written out, so a test can
check each has an applier)."""


def confirmation_phrase(account_id: str) -> str:
    """Return what must be typed to delete: ``delete <account id>``."""
    return CONFIRMATION.format(account_id=account_id)


def plan_teardown(inventory: TeardownInventory, ledger: Ledger) -> Plan:
    """Return a delete per thing found, then what stays and why."""
    changes = [DELETES[found.kind](found) for found in inventory.found]
    changes += [Change(NO_OP, kept.address, kept.reason) for kept in inventory.kept]
    changes += [
        Change(NO_OP, entry.address, SETTING_GUIDES.get(entry.address.split(".", 1)[0], "Stays: a setting, not a resource."))
        for entry in ledger.entries.values() if entry.kind == SETTING
    ]
    changes.append(Change(NO_OP, addresses.organization_address(inventory.account_id), ORGANIZATION_GUIDE))
    changes.append(Change(NO_OP, addresses.instance_address(inventory.region), IDENTITY_CENTER_GUIDE))
    return Plan(STEP_ID, tuple(changes))

