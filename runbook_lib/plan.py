"""Plans and verifications: the pure data every step produces, shown as tables.

A step reads live state, turns it into a ``Plan`` of ``Change``s (no boto3 here), applies the plan
only when asked, then checks the account with a ``Verification`` of ``Check``s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pandas is heavy; only the table views need it
    import pandas

ACTIONS = ("create", "update", "delete", "console", "conflict")
"""``console`` marks a change only the AWS console can make: guided, or played in the sandbox.
``conflict`` marks a difference the runbook shows but never resolves on its own (e.g. another
email on an existing user): the person decides."""


@dataclass(frozen=True)
class Change:
    """One change a step would make to the account.

    Attributes:
        action: One of ``ACTIONS``.
        resource: What is changed, in words (e.g. ``AWS Organization``).
        details: What exactly happens, enough to judge it before applying.
        operation: The key the step's applier acts on: an API operation for API changes, the
            console step's id (as the sandbox names it) for console changes.
        argument: What the operation acts on when the resource alone does not say (e.g. the
            policy ARN to attach); empty otherwise.
    """

    action: str
    resource: str
    details: str
    operation: str
    argument: str = ""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"Change.action must be one of {ACTIONS}, not {self.action!r}")

    @property
    def is_console(self) -> bool:
        """Return True when only the AWS console can make this change."""
        return self.action == "console"


@dataclass(frozen=True)
class Plan:
    """The changes one step would make; an empty plan means the step is already done."""

    step: str
    changes: tuple[Change, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Return True when nothing needs to change."""
        return not self.changes

    @property
    def api_changes(self) -> tuple[Change, ...]:
        """The changes the runbook makes itself (not console steps, not conflicts)."""
        return tuple(change for change in self.changes if change.action not in ("console", "conflict"))

    @property
    def conflicts(self) -> tuple[Change, ...]:
        """The differences shown for the person to resolve; never applied."""
        return tuple(change for change in self.changes if change.action == "conflict")

    @property
    def console_changes(self) -> tuple[Change, ...]:
        """The changes that need the AWS console."""
        return tuple(change for change in self.changes if change.is_console)

    def to_frame(self) -> pandas.DataFrame:
        """Return the plan as a table: action, resource, details."""
        import pandas

        rows = [{"action": c.action, "resource": c.resource, "details": c.details} for c in self.changes]
        return pandas.DataFrame(rows, columns=["action", "resource", "details"])

    def describe(self) -> str:
        """Return the plan in one line per change, for logs and the run summary."""
        if self.is_empty:
            return f"{self.step}: no change needed."
        return "\n".join(f"{c.action:8} {c.resource}: {c.details}" for c in self.changes)


PASS, FAIL, WARN = "PASS", "FAIL", "WARN"


@dataclass(frozen=True)
class Check:
    """One verified fact about the account, prowler-style: an id, a status and a sentence.

    Attributes:
        check_id: ``<service>_<resource>_<condition>``, e.g. ``iam_root_mfa_enabled``.
        status: ``PASS``, ``FAIL`` or ``WARN`` (worth knowing, does not fail the step).
        detail: What was found, in one sentence.
    """

    check_id: str
    status: str
    detail: str


@dataclass(frozen=True)
class Verification:
    """The checks a step ran after applying; it passes when none failed."""

    step: str
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        """Return True when no check failed."""
        return all(check.status != FAIL for check in self.checks)

    @property
    def failures(self) -> list[str]:
        """The sentences of the failed checks."""
        return [check.detail for check in self.checks if check.status == FAIL]

    def to_frame(self) -> pandas.DataFrame:
        """Return the checks as a table: check, status, detail."""
        import pandas

        rows = [{"check": c.check_id, "status": c.status, "detail": c.detail} for c in self.checks]
        return pandas.DataFrame(rows, columns=["check", "status", "detail"])


@dataclass
class StepReport:
    """What one step did, for the run summary: planned, applied, verified, AWS calls made."""

    step: str
    target: str = ""
    planned: list[dict[str, str]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    pending_console_steps: list[str] = field(default_factory=list)
    confirmations: dict[str, bool] = field(default_factory=dict)
    verification: list[dict[str, str]] = field(default_factory=list)
    verified: bool | None = None
    read_calls: int = 0
    write_calls: int = 0
    calls: list[str] = field(default_factory=list)
    error: str | None = None

    def record_plan(self, plan: Plan) -> None:
        """Note the planned changes."""
        self.planned = [asdict(change) for change in plan.changes]

    def record_verification(self, verification: Verification) -> None:
        """Note the verification's checks and verdict."""
        self.verification = [asdict(check) for check in verification.checks]
        self.verified = verification.passed

    def describe_calls(self) -> str:
        """Return the AWS call count, split into reads and writes."""
        return f"{self.step}: {self.read_calls} read and {self.write_calls} write AWS calls."

    def record_calls(self, calls: Iterable[object]) -> None:
        """Note the AWS calls made (objects with ``mutating`` and a ``service:operation`` str)."""
        made = list(calls)
        self.calls = [str(call) for call in made]
        self.write_calls = sum(1 for call in made if getattr(call, "mutating"))
        self.read_calls = len(made) - self.write_calls
