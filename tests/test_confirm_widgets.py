"""The typed confirmation: the button is disabled until the exact phrase is typed, acts once, only
on the plan shown; headless, only the ``confirm`` parameter can make the changes."""

from __future__ import annotations

import ipywidgets
import pytest

from runbook_lib import notebook
from runbook_lib.confirm_widgets import matches, typed_confirmation
from runbook_lib.errors import InputError, RunbookError
from runbook_lib.notebook import begin_step
from runbook_lib.plan import DELETE, Change, Plan
from runbook_lib.widgets import NotDone, retire

PHRASE = "delete 123456789012"
PLAN = Plan("99_teardown", (Change(DELETE, "budgets_budget.monthly-cost", "Delete monthly-cost.", "delete_budget",
                                   before="monthly-cost"),))


def parts(controls: ipywidgets.VBox) -> tuple[ipywidgets.Text, ipywidgets.Button, ipywidgets.Output]:
    """Return the box, the button and the output of a typed confirmation."""
    _, box, button, output = controls.children
    return box, button, output


def shown(output: ipywidgets.Output) -> str:
    return "".join(item.get("text", "") or item.get("data", {}).get("text/plain", "") for item in output.outputs)


class Recorder:
    """An action that notes what it was handed and answers ``answer`` (or raises it)."""

    def __init__(self, answer: object = "deleted.") -> None:
        self.calls: list[str] = []
        self.answer = answer

    def __call__(self, typed: str) -> object:
        self.calls.append(typed)
        if isinstance(self.answer, RunbookError):
            raise self.answer
        return self.answer


def test_the_phrase_must_be_typed_exactly() -> None:
    assert matches(f"  {PHRASE} ", PHRASE)
    assert not matches("Delete 123456789012", PHRASE) and not matches("delete", PHRASE) and not matches("", PHRASE)


def test_the_button_is_disabled_until_the_phrase_matches_and_then_acts_once() -> None:
    action = Recorder()
    box, button, output = parts(typed_confirmation(PHRASE, "Delete", action))
    assert button.disabled
    for typed in ("delete", "delete 123456789013", "DELETE 123456789012"):
        box.value = typed
        assert button.disabled, typed
    button.click()  # a disabled button (a click forced through) does nothing
    assert action.calls == []
    box.value = PHRASE
    assert not button.disabled
    button.click()
    assert action.calls == [PHRASE] and "deleted." in shown(output)
    assert button.disabled and box.disabled and button.description == "Delete (done)"
    box.value = PHRASE + " "  # typing again cannot enable a button that acted
    button.click()
    assert button.disabled and action.calls == [PHRASE]


def test_editing_the_box_away_from_the_phrase_disables_the_button_again() -> None:
    box, button, _ = parts(typed_confirmation(PHRASE, "Delete", Recorder()))
    box.value = PHRASE
    box.value = PHRASE[:-1]
    assert button.disabled


def test_an_error_or_a_refusal_leaves_the_button_usable_and_says_why() -> None:
    failing = Recorder(RunbookError("AWS said no.", advice="Try again."))
    box, button, output = parts(typed_confirmation(PHRASE, "Delete", failing))
    box.value = PHRASE
    button.click()
    assert not button.disabled and not box.disabled and "AWS said no." in shown(output)
    refusing = Recorder(NotDone("The account changed since this plan was shown."))
    box, button, output = parts(typed_confirmation(PHRASE, "Delete", refusing))
    box.value = PHRASE
    button.click()
    assert not button.disabled and "account changed" in shown(output)


def test_a_retired_confirmation_cannot_be_enabled_by_typing() -> None:
    controls = typed_confirmation(PHRASE, "Delete", Recorder())
    box, button, _ = parts(controls)
    retire(controls, "a newer plan is shown below")
    box.value = PHRASE
    assert button.disabled


# --- NotebookStep.apply_when_typed ------------------------------------------------------------------

class ApplyRecorder:
    """An ``apply_api`` that notes the confirmation it was handed."""

    def __init__(self) -> None:
        self.confirmed: list[str] = []

    def __call__(self, *, confirm: str) -> list[str]:
        self.confirmed.append(confirm)
        return ["budgets_budget.monthly-cost: deleted."]


def test_headless_without_confirm_nothing_is_applied(sandbox, capsys) -> None:
    run, apply_api = begin_step("99_teardown", target="sandbox", headless=True, apply=True), ApplyRecorder()
    run.apply_when_typed(PLAN, apply_api, phrase=PHRASE)
    assert apply_api.confirmed == [] and run.report.applied == []
    assert f"set `confirm` to {PHRASE!r}" in capsys.readouterr().out


def test_headless_a_wrong_confirm_is_refused_before_anything(sandbox) -> None:
    run, apply_api = begin_step("99_teardown", target="sandbox", headless=True, apply=True), ApplyRecorder()
    with pytest.raises(InputError, match="confirm"):
        run.apply_when_typed(PLAN, apply_api, phrase=PHRASE, given="delete")
    assert apply_api.confirmed == []


def test_headless_confirm_applies_only_with_apply(sandbox, capsys) -> None:
    plan_only, apply_api = begin_step("99_teardown", target="sandbox", headless=True, apply=False), ApplyRecorder()
    plan_only.apply_when_typed(PLAN, apply_api, phrase=PHRASE, given=PHRASE)
    assert apply_api.confirmed == [] and "Plan only" in capsys.readouterr().out
    run = begin_step("99_teardown", target="sandbox", headless=True, apply=True)
    run.apply_when_typed(PLAN, apply_api, phrase=PHRASE, given=f" {PHRASE} ")
    assert apply_api.confirmed == [PHRASE] and run.report.applied == ["budgets_budget.monthly-cost: deleted."]


def test_interactive_the_box_acts_on_the_plan_shown_once_and_not_after_the_account_changed(sandbox) -> None:
    run, apply_api = begin_step("99_teardown", target="sandbox"), ApplyRecorder()
    now = [PLAN]
    run.show_plan(PLAN, replan=lambda: now[0])
    run.apply_when_typed(PLAN, apply_api, phrase=PHRASE)
    assert apply_api.confirmed == []  # shown, not applied
    box, button, output = parts(notebook._LIVE_CONTROLS["99_teardown"][-1])
    now[0] = Plan("99_teardown", ())  # someone deleted it by hand meanwhile
    box.value = PHRASE
    button.click()
    assert apply_api.confirmed == [] and "account changed" in shown(output) and not button.disabled
    now[0] = PLAN
    button.click()
    button.click()
    assert apply_api.confirmed == [PHRASE] and button.disabled


def test_interactive_a_newer_plan_retires_the_box_shown_with_the_older_one(sandbox) -> None:
    run, apply_api = begin_step("99_teardown", target="sandbox"), ApplyRecorder()
    run.show_plan(PLAN)
    run.apply_when_typed(PLAN, apply_api, phrase=PHRASE)
    box, button, _ = parts(notebook._LIVE_CONTROLS["99_teardown"][-1])
    run.show_plan(PLAN)  # the plan cell run again
    box.value = PHRASE
    button.click()
    assert button.disabled and apply_api.confirmed == []
