"""How a notebook's cells show things, and fail plainly: our errors as their message and advice,
never a traceback; a later cell that needs what a failed one did not make says what to fix first;
sentences printed, tables whole; a wait's progress where the code runs now.

Apart from ``notebook`` (the step's shape: plan, apply, verify, forms) so each stays small; the
notebooks reach these through ``runbook_lib.notebook``, which re-exports them.
"""

from __future__ import annotations

from typing import Any, Callable

from runbook_lib import progress_widgets
from runbook_lib.errors import RunbookError
from runbook_lib.garbage import collect_garbage_less_often, skip_the_collection_at_exit
from runbook_lib.progress import Progress, TextProgress, current_progress


def show_errors_plainly(
    on_error: Callable[[RunbookError], None] | None = None, on_fixed: Callable[[], None] | None = None,
) -> None:
    """Show a ``RunbookError`` in the notebook as its message and advice, not a long traceback.

    The cell still fails (papermill and nbval see the error); only the display is shorter.
    After any failed cell (ours or not), a later cell's error (a ``NameError`` for a name the failed
    cell was to define, or whatever follows from what it found) says which error to fix first
    instead of a traceback.

    Args:
        on_error: Called with the error once it is shown (the step's run records it in its
            report and shows the step's "failed" line).
        on_fixed: Called when the cell that failed first runs again and succeeds (the step's run
            forgets the error, so its closing line no longer says "failed" for a fixed form).
    """
    _ON_FIXED[:] = [on_fixed] if on_fixed is not None else []
    try:
        from IPython import get_ipython
    except ImportError:  # not in IPython: errors show as usual
        return
    shell = get_ipython()
    if shell is None:
        return

    def show_runbook_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
        if isinstance(value, RunbookError):
            _EARLIER_FAILURE[:] = [f"{etype.__name__}: {value.message}"]
            shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])
            if on_error is not None:
                on_error(value)
            return
        if _EARLIER_FAILURE:  # what an earlier, failed cell was to make (a name, a file): fix that first
            shell._showtraceback(etype, value, [explain_after_failure(value, _EARLIER_FAILURE[0])])
            return
        if isinstance(value, NameError):  # no failure before it: a cell above was skipped
            shell._showtraceback(etype, value, [explain_skipped_cell(value)])
            return
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)

    # Every error passes here: after a failed cell, what follows from it (a NameError, botocore's
    # ProfileNotFound for a profile the failed cell found missing) names that cell's error instead
    # of a traceback; with no earlier failure, an error not of ours shows as usual.
    shell.set_custom_exc((Exception,), show_runbook_error)
    if not getattr(shell, "_runbook_notes_failures", False):  # once per kernel, however often called
        shell.events.register("post_run_cell", note_failed_cell)
        shell._runbook_notes_failures = True


def note_failed_cell(result: Any) -> None:
    """After each cell: remember the cell that failed first (its error, if not ours, too); forget
    it once that cell runs again and succeeds, so nothing later is blamed on a fixed cell."""
    error = getattr(result, "error_in_exec", None)
    source = getattr(getattr(result, "info", None), "raw_cell", None)
    if error is None:
        if _FAILED_CELL and source == _FAILED_CELL[0]:
            _EARLIER_FAILURE.clear()
            _FAILED_CELL.clear()
            for fixed in _ON_FIXED:
                fixed()
        return
    if _FAILED_CELL:  # an error that follows from the first failure: that one is still to fix
        return
    _FAILED_CELL[:] = [source]
    if not isinstance(error, RunbookError):
        _EARLIER_FAILURE[:] = [f"{type(error).__name__}: {error}"]


def forget_failures() -> None:
    """Forget the failed cell and its error: a step begins again, so a name missing from now on is
    not an earlier cell's fault (tests call it too: in one process, each test is a new kernel)."""
    _EARLIER_FAILURE.clear()
    _FAILED_CELL.clear()


_EARLIER_FAILURE: list[str] = []
"""The last error of ours shown in this kernel, until a step begins again or its cell is fixed."""
_FAILED_CELL: list[str] = []
"""The source of the cell that failed first, to know when it is run again and succeeds."""
_ON_FIXED: list[Callable[[], None]] = []
"""What to call once that cell succeeds: the step's run forgets the error it recorded."""


def explain_skipped_cell(error: NameError) -> str:
    """Return what a cell says when it needs a name no cell has made yet: one above it was not run
    (a person running cells out of order), which a traceback would not say."""
    return (
        f"NameError: {error}\n"
        "A cell above this one has not run yet in this kernel: it makes that name. Run the cells above "
        "first (Run > Run All Above Selected Cell), then this one."
    )


def explain_after_failure(error: BaseException, earlier: str) -> str:
    """Return what a cell says when it needs what an earlier, failed cell did not make."""
    return (
        f"{type(error).__name__}: {error}\n"
        f"An earlier cell stopped with {earlier.splitlines()[0]}\n"
        "Fix what it says, then run the notebook again from that cell (Run > Run Selected Cell and All Below)."
    )


def display(*objects: object) -> None:
    """Display objects in the notebook: sentences printed, tables with whole cells.

    Plans, checks and checklists are ``tables.Table``s (HTML and text, no pandas). A pandas
    frame (the services catalogue) is shown with whole cells: pandas would cut them at 50
    characters; pandas is imported only for one.
    """
    from IPython.display import display as ipython_display

    for shown in objects:
        if isinstance(shown, str):
            print(shown)  # a sentence, not a quoted repr
            continue
        if not type(shown).__module__.startswith("pandas"):
            ipython_display(shown)
            continue
        import pandas

        with pandas.option_context("display.max_colwidth", None):
            ipython_display(shown)


def show_widget(widget: Any) -> None:
    """Display a widget where the code runs now: the cell's output, or a button's."""
    from IPython.display import display as ipython_display

    ipython_display(widget)


def wait_progress(*, headless: bool) -> Progress:
    """Return how this notebook shows its waits: a line now and then headless, a bar in JupyterLab.

    The bar's Cancel button and the kernel's interrupt both end a wait with ``WaitCancelled``
    (shown as its message and advice, see ``show_errors_plainly``).
    """
    if headless:
        return TextProgress(write=print)
    return progress_widgets.WaitDisplay(show_widget)


def show_sign_in_prompt(prompt: Any) -> None:
    """Show a device sign-in's link and code (a ``sso_login.DevicePrompt``) to the person.

    In JupyterLab the link and the code are large and the code's expiry counts down while the
    sign-in waits; headless they are printed.
    """
    shown = current_progress()
    if isinstance(shown, progress_widgets.WaitDisplay):
        shown.show_device_prompt(
            prompt.verification_uri_complete, prompt.user_code, prompt.expires_in, prompt.verification_uri,
        )
        return
    print(f"Open {prompt.verification_uri_complete}\nand check the code: {prompt.user_code} (valid {prompt.expires_in // 60} minutes)")


def load_ipython_extension(shell: Any) -> None:
    """Show errors plainly from a kernel's first cell (``make lab`` loads this module as an IPython
    extension): a cell run before the step's first one would otherwise end in a traceback, since
    ``begin_step`` is what installs the display.

    The kernel also collects garbage as a headless run's processes do (``runbook_lib.garbage``):
    less often while a step imports boto3 and the runbook, and not at all as it exits, so that
    shutting a notebook down does not wait for a scan of everything the kernel held.
    """
    show_errors_plainly()
    collect_garbage_less_often()
    skip_the_collection_at_exit()
