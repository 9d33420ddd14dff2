"""Judge whether the runbook made a resource (pure): its ledger entry, AWS's id and its mark.

The teardown deletes a resource only when the ledger and the resource's mark agree that the
runbook made it:

- the ledger names its address **with the very id AWS has now** (a user, group or permission set
  deleted and made again by hand has the same name and another id: it is kept), and the mark the
  runbook left on it (a tag, or a description that says so) is still there where the kind
  carries one (a budget or a bucket made again by hand under the same name has none: kept);
- with no ledger entry (the ledger was lost, or the thing predates it), only a **tag** counts, on
  the kinds AWS tags (permission sets, budgets, monitors, trails, buckets, analyzers). Identity
  Center keeps no tags on users and groups, and a description is anyone's to write, so those are
  kept, with a sentence saying why and how to delete them by hand if the runbook did make them.

What is kept is said as ``Kept: not made by the runbook ...`` (or why the runbook cannot tell),
never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook_lib.ledger import RESOURCE, Ledger

NOT_OURS = "Kept: not made by the runbook"


@dataclass(frozen=True)
class Ownership:
    """Whether the runbook made a resource, and if not, why it stays.

    Attributes:
        ours: True: the teardown deletes it.
        reason: Why it stays (empty when ours), or how it was recognised without the ledger.
    """

    ours: bool
    reason: str = ""


@dataclass(frozen=True)
class Evidence:
    """What the live resource shows, for ``judge_ownership``.

    Attributes:
        address: The plan's address of it.
        live_id: AWS's id of it now (an id, an ARN, or a name where AWS has no other).
        what: It, in words (``Identity Center user Admin``).
        tagged: True when it carries the runbook's tag; None when AWS keeps no tags on its kind.
        described: True when its description says the runbook made it; None when it has none.
    """

    address: str
    live_id: str
    what: str
    tagged: bool | None = None
    described: bool | None = None

    @property
    def marked(self) -> bool | None:
        """Whether the runbook's mark is on it (a tag or a description); None for a kind with no mark."""
        marks = [mark for mark in (self.tagged, self.described) if mark is not None]
        return any(marks) if marks else None


def judge_ownership(ledger: Ledger, evidence: Evidence) -> Ownership:
    """Return whether the runbook made the resource ``evidence`` describes (see the module)."""
    entry = ledger.get(evidence.address)
    if entry is not None and entry.kind == RESOURCE:
        if entry.resource_id != evidence.live_id:
            return Ownership(False, (
                f"{NOT_OURS}: {evidence.what} has the id {evidence.live_id}, not the {entry.resource_id} that "
                f"{entry.step or 'the runbook'} created (its ledger says so): it was made again, by hand, since. "
                "Delete it by hand if it is no longer needed."))
        if evidence.marked is False:
            return Ownership(False, (
                f"{NOT_OURS}, or no longer only: its ledger names {evidence.what}, but the runbook's mark (its tag "
                "or description) was removed by hand since, so the runbook leaves it. Delete it by hand if it is "
                "no longer needed."))
        return Ownership(True)
    if evidence.tagged:
        return Ownership(True, "Not in the runbook's ledger; recognised by the runbook's tag.")
    if not ledger.path.exists():
        return Ownership(False, (
            f"Kept: the runbook cannot tell it made {evidence.what}: its ledger ({ledger.path}) is missing, and "
            + ("Identity Center keeps no tags on users, groups and their memberships"
               if evidence.tagged is None else "it carries no runbook tag")
            + ". Delete it by hand if the runbook did make it."))
    return Ownership(False, (
        f"{NOT_OURS}: its ledger names no {evidence.what} (it was there before the runbook, or made by hand)."))
