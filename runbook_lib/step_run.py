"""One step's run, for the run summary: what it planned, applied and verified, the calls it made.

Only ``StepReport`` lives here for now, moved unchanged from ``plan.py`` (which became pure
data) so that ``notebook.py`` keeps importing; the StepRun rewrite brings the rest of this module.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable

from runbook_lib.checks import Verification
from runbook_lib.plan import Plan


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
