"""Console steps: the changes only the AWS console can make, played in the sandbox or guided."""

from __future__ import annotations

from typing import Protocol

from runbook_lib.plan import Plan


class ConsolePlayer(Protocol):
    """Something that can play a console step and tell whether one is done: the sandbox's client,
    never a real account (no API reads what these steps change)."""

    def play_console_step(self, step: str, *, region: str = ..., delay_seconds: float = ..., user: str = ...) -> str:
        """Play ``step`` and return what happened, in a sentence."""

    def is_done(self, step: str, *, user: str = ...) -> bool:
        """Return True when ``step`` (for ``user``, for a user step) shows as already done."""


def apply_console_changes(
    plan: Plan, *, console: ConsolePlayer | None, region: str, delay_seconds: float = 0
) -> tuple[list[str], list[str]]:
    """Play each console change of ``plan`` when a player is given; otherwise leave it pending.

    Returns:
        The sentences of what was played, and the ids of the console steps left to the person.
    """
    played: list[str] = []
    pending: list[str] = []
    for change in plan.console_changes:
        if console is None:
            pending.append(change.operation)
        else:
            played.append(
                "sandbox played the console step: "
                + console.play_console_step(change.operation, region=region, delay_seconds=delay_seconds)
            )
    return played, pending
