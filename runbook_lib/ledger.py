"""The ledger: what the runbook created in an account, kept on this machine for the teardown.

Tags say who made a resource where AWS has them, but not every resource takes tags (an alternate
contact, an identity store user, moto's budgets), and a tag can be removed by hand. So each
applier that creates something also writes it down here: one small JSON file per account, under
the runbook's home (``<runbook home>/ledger/<account id>.json``). The sandbox's ledger lives in
the sandbox's own folder (``<runbook home>/sandbox/``), which every sandbox reset removes whole,
so a new sandbox account never inherits the entries of the one that is gone.

Steps 03, 04 and 07 write here each thing they create, with AWS's id for it (a user's id, a
permission set's ARN). The teardown (step 99) deletes only what the ledger and the resource's mark
both say the runbook made (``steps.teardown.ownership``): a resource made by hand beside them is
never in the ledger, and one deleted and made again by hand has another id. Settings the runbook turned on (S3 Block Public Access, EBS
encryption by default) are written down too, with what they were before, so the teardown can say
what it leaves as it is and why.

Writing is atomic (``files.replace_atomically``) and the file is the owner's only: it names
resources, not secrets, but it is nobody else's business.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from runbook_lib.errors import RunbookError
from runbook_lib.files import make_private_folders, replace_atomically
from runbook_lib.paths import runbook_home, sandbox_home

LEDGER_FORMAT_VERSION = 1
RESOURCE, SETTING = "resource", "setting"
"""What an entry is: a resource the runbook created (the teardown deletes it), or a setting it
changed (the teardown leaves it, and says why)."""
TAG_KEY, TAG_VALUE = "managed-by", "aws-guided-runbook"
"""The tag every taggable resource the runbook creates carries (with ``STEP_TAG_KEY``)."""
STEP_TAG_KEY = "runbook-step"


@dataclass(frozen=True)
class LedgerEntry:
    """One thing the runbook made or changed in an account.

    Attributes:
        address: The plan's address of it (``budgets_budget.monthly-cost``); unique in a ledger.
        kind: ``RESOURCE`` or ``SETTING``.
        resource_id: What AWS calls it: a name or an ARN (what the teardown deletes by).
        region: The region it lives in, or "" for a global one.
        step: The step that made it, e.g. ``07_set_guardrails``.
        created_at: When, in UTC, ISO-8601.
        detail: Anything the teardown needs besides (a setting's value before, a bucket's trail).
    """

    address: str
    kind: str
    resource_id: str
    region: str
    step: str
    created_at: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class LedgerError(RunbookError):
    """Raised when the ledger file exists but cannot be read as a ledger.

    Attributes:
        path: The ledger file.
    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        super().__init__(
            f"The runbook's ledger {path} {problem}; it was left as it is.",
            advice="Move the file aside (the teardown then finds the runbook's resources by their tags "
            "only) or restore it from a backup, then run the step again.",
        )


def runbook_tags(step: str) -> dict[str, str]:
    """Return the tags of a resource that ``step`` creates."""
    return {TAG_KEY: TAG_VALUE, STEP_TAG_KEY: step}


def is_runbook_tagged(tags: dict[str, str]) -> bool:
    """Return True when ``tags`` carry the runbook's mark."""
    return tags.get(TAG_KEY) == TAG_VALUE


def ledger_file(account_id: str, *, sandbox: bool) -> Path:
    """Return the ledger of ``account_id``: the sandbox's own folder for the sandbox (a reset
    removes it), else ``<runbook home>/ledger/<account id>.json``."""
    if sandbox:
        return sandbox_home() / "ledger" / f"{account_id}.json"
    return runbook_home() / "ledger" / f"{account_id}.json"


@dataclass
class Ledger:
    """The ledger of one account, read from and written back to its file.

    Attributes:
        account_id: The account it describes.
        path: Its file.
        entries: Its entries by address.
    """

    account_id: str
    path: Path
    entries: dict[str, LedgerEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, account_id: str, *, sandbox: bool) -> Ledger:
        """Return the account's ledger (empty when there is no file yet).

        Raises:
            LedgerError: when the file is not a ledger of this account.
        """
        path = ledger_file(account_id, sandbox=sandbox)
        ledger = cls(account_id, path)
        if not path.exists():
            return ledger
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            entries = [LedgerEntry(**entry) for entry in saved["entries"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise LedgerError(path, f"cannot be read ({error})") from None
        if saved.get("account_id") != account_id:
            raise LedgerError(path, f"describes account {saved.get('account_id')!r}, not {account_id}")
        ledger.entries = {entry.address: entry for entry in entries}
        return ledger

    def of_step(self, step: str) -> list[LedgerEntry]:
        """Return the entries ``step`` made, in the order they were made."""
        return [entry for entry in self.entries.values() if entry.step == step]

    def get(self, address: str) -> LedgerEntry | None:
        """Return the entry of ``address``, or None."""
        return self.entries.get(address)

    def record(self, entry: LedgerEntry, *, now: datetime.datetime | None = None) -> LedgerEntry:
        """Write ``entry`` down (replacing an entry of the same address) and save the file.

        Returns:
            The entry as written, with its time.
        """
        stamped = entry if entry.created_at else LedgerEntry(
            **{**asdict(entry), "created_at": (now or datetime.datetime.now(datetime.timezone.utc)).isoformat(timespec="seconds")}
        )
        self.entries[entry.address] = stamped
        self.save()
        return stamped

    def forget(self, address: str) -> None:
        """Remove the entry of ``address`` (the resource is gone) and save the file."""
        if self.entries.pop(address, None) is not None:
            self.save()

    def save(self) -> None:
        """Write the ledger atomically, readable by its owner only."""
        make_private_folders(self.path.parent)
        document = {
            "format_version": LEDGER_FORMAT_VERSION,
            "account_id": self.account_id,
            "entries": [asdict(entry) for entry in self.entries.values()],
        }
        replace_atomically(self.path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
