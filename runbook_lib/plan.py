"""Plans as data: the changes a step would make, in the vocabulary of Terraform's JSON plan.

A step reads live state, turns it into a ``Plan`` of ``Change``s (pure code, no boto3), and applies
the plan only when asked, through a table of appliers keyed by each change's ``operation``. Every
change says what it acts on (``address``), what is there now (``before``) and what will be
(``after``), so drift is data, shown side by side, and a run keeps each plan as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, TypeVar

from runbook_lib.errors import RunbookError

if TYPE_CHECKING:  # pandas is heavy; only the table views need it
    import pandas

CREATE, UPDATE, DELETE, REPLACE, NO_OP = "create", "update", "delete", "replace", "no-op"
CONSOLE, CONFLICT = "console", "conflict"
ACTIONS = (CREATE, UPDATE, DELETE, REPLACE, NO_OP, CONSOLE, CONFLICT)
"""Terraform's actions, plus two of ours. ``console`` marks a change only the AWS console can make
(guided, or played in the sandbox). ``conflict`` marks a difference the runbook shows but never
resolves on its own (e.g. another email on an existing user): the person decides."""
API_ACTIONS = frozenset({CREATE, UPDATE, DELETE, REPLACE})
"""The actions the runbook makes itself, through an applier."""

PLAN_FORMAT_VERSION = "1.0"


@dataclass(frozen=True)
class Change:
    """One change a step would make to the account (or to the AWS CLI config file).

    Attributes:
        action: One of ``ACTIONS``.
        address: What is changed, as a stable name: ``<kind>.<name>`` (e.g.
            ``sso_permission_set.DeveloperAccess``), the way Terraform names resources.
        detail: What happens, in a sentence a person can judge before applying.
        operation: The key of the applier that makes the change (for console changes: the
            console step's id); empty for ``no-op`` and ``conflict``.
        before: The value now (None when it does not exist); JSON-serialisable.
        after: The value once applied (None when it goes away); JSON-serialisable.
    """

    action: str
    address: str
    detail: str
    operation: str = ""
    before: Any = None
    after: Any = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"Change.action must be one of {ACTIONS}, not {self.action!r}")
        if self.action in API_ACTIONS | {CONSOLE} and not self.operation:
            raise ValueError(f"A {self.action} change needs an operation for its applier ({self.address})")

    @property
    def is_console(self) -> bool:
        """Return True when only the AWS console can make this change."""
        return self.action == CONSOLE

    @property
    def is_drift(self) -> bool:
        """Return True when the change brings an existing value back to what was asked."""
        return self.before is not None and self.action in (UPDATE, DELETE, REPLACE)

    def to_json(self) -> dict[str, Any]:
        """Return the change as a Terraform-style resource change."""
        return {
            "address": self.address,
            "change": {"actions": [self.action], "before": self.before, "after": self.after},
            "detail": self.detail,
            "operation": self.operation,
        }


@dataclass(frozen=True)
class Plan:
    """The changes one step would make; a plan with no change is ``no-op``: the step is done."""

    step: str
    changes: tuple[Change, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Return True when nothing needs to change (``no-op`` entries do not count)."""
        return all(change.action == NO_OP for change in self.changes)

    @property
    def api_changes(self) -> tuple[Change, ...]:
        """The changes the runbook makes itself (not console steps, conflicts or no-ops)."""
        return tuple(change for change in self.changes if change.action in API_ACTIONS)

    @property
    def conflicts(self) -> tuple[Change, ...]:
        """The differences shown for the person to resolve; never applied."""
        return tuple(change for change in self.changes if change.action == CONFLICT)

    @property
    def console_changes(self) -> tuple[Change, ...]:
        """The changes that need the AWS console."""
        return tuple(change for change in self.changes if change.is_console)

    def only(self, changes: tuple[Change, ...]) -> Plan:
        """Return a plan of the same step holding only ``changes``."""
        return Plan(self.step, changes)

    def to_json(self) -> dict[str, Any]:
        """Return the plan in a shape a machine can read (after Terraform's JSON plan)."""
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "step": self.step,
            "summary": "no-op" if self.is_empty else summarize_actions(self.changes),
            "resource_changes": [change.to_json() for change in self.changes],
        }

    def to_frame(self) -> pandas.DataFrame:
        """Return the plan as a table: action, address, before, after, detail."""
        import pandas

        rows = [
            {"action": change.action, "address": change.address, "before": shown_value(change.before),
             "after": shown_value(change.after), "detail": change.detail}
            for change in self.changes
        ]
        return pandas.DataFrame(rows, columns=["action", "address", "before", "after", "detail"])

    def describe(self) -> str:
        """Return the plan in one line per change, for logs and the run summary."""
        if self.is_empty:
            return f"{self.step}: no change needed."
        return "\n".join(f"{change.action:8} {change.address}: {change.detail}" for change in self.changes)


def summarize_actions(changes: tuple[Change, ...]) -> dict[str, int]:
    """Return how many changes of each action a plan holds (no-ops left out)."""
    counts: dict[str, int] = {}
    for change in changes:
        if change.action != NO_OP:
            counts[change.action] = counts.get(change.action, 0) + 1
    return counts


def shown_value(value: Any) -> str:
    """Return a change's before or after value for a table cell: "" for nothing, text as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return ", ".join(f"{key}={shown_value(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(shown_value(item) for item in value)
    return json.dumps(value)


class UnknownOperationError(RunbookError):
    """Raised when a plan holds a change whose operation no applier of the step knows.

    Nothing of the plan is applied: the plan and the appliers disagree, which is a bug.

    Attributes:
        operations: The operations without an applier.
    """

    def __init__(self, step: str, operations: list[str]) -> None:
        self.operations = operations
        super().__init__(
            f"{step}: no applier for {', '.join(operations)}; nothing was applied.",
            advice="This is a bug in the runbook: please report it with the plan shown above.",
        )


Target = TypeVar("Target")
Applier = Callable[[Target, Change], str]
"""Makes one change against a target (the step's apply context) and says what it did."""


def apply_plan(plan: Plan, appliers: Mapping[str, Applier[Target]], target: Target) -> list[str]:
    """Make the plan's API changes in order, each through the applier of its operation.

    Every operation is looked up before the first change is made, so a plan with an operation
    the step cannot apply changes nothing.

    Returns:
        One sentence per change made.

    Raises:
        UnknownOperationError: when a change's operation has no applier.
    """
    unknown = sorted({change.operation for change in plan.api_changes if change.operation not in appliers})
    if unknown:
        raise UnknownOperationError(plan.step, unknown)
    return [appliers[change.operation](target, change) for change in plan.api_changes]
