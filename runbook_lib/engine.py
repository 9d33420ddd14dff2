"""A papermill engine that runs a notebook's cells in this process, in a fresh IPython shell.

papermill's own engine starts a Jupyter kernel for every notebook: a process to boot, ZeroMQ
messages for every output, and a graceful shutdown to wait for. For the runbook's seven short
notebooks that was most of a headless run. This engine executes the same cells, in order, in an
``InteractiveShell`` of the calling process and records what a kernel would have sent (streams,
displays, execute results, errors) as the cells' outputs. papermill still reads, parameterizes,
saves and judges the notebook exactly as with a kernel: the ``parameters`` cell gets its injected
cell, the executed notebook is written cell by cell, and a cell's error stops the notebook and
becomes a ``PapermillExecutionError``.

What a kernel gives that this engine does not: a process of its own. A notebook can change this
process (environment variables, imported modules' state), so the runner gives every notebook a
process of its own by forking a warmed-up one (``runbook_lib.runner``); what is left to this
engine is a fresh shell, namespace and display machinery per notebook, and no input from the
terminal (``input()`` fails as under a kernel without stdin). Register it with
``register_engine()``; nothing happens at import time.
"""

from __future__ import annotations

import base64
import builtins
import getpass
import io
import sys
from contextlib import contextmanager
from typing import Any, Iterator

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import StdinNotImplementedError
from IPython.core.interactiveshell import InteractiveShell
from papermill.engines import Engine, NotebookExecutionManager, papermill_engines
from papermill.iorw import papermill_io
from traitlets.config import Config

ENGINE_NAME = "runbook-in-process"
"""The name papermill knows this engine by (``execute_notebook(..., engine_name=ENGINE_NAME)``)."""

SAVE_INTERVAL_SECONDS = 1.0
"""While cells run, the executed notebook is written at most this often (papermill's own engine
writes it twice per cell: 200 writes a run, each a JSON dump and a schema validation). It is
always written when the notebook starts and when it ends, failed or not. These writes skip
nbformat's schema check (``write_unchecked``): papermill's own last write of the executed
notebook checks it, once, as it checks a kernel's."""

NO_STDIN_MESSAGE = "raw_input was called, but this frontend does not support input requests."
"""What ipykernel says when a cell asks for input and the client allows none (papermill never does)."""


def new_output(output_type: str, **fields: Any) -> nbformat.NotebookNode:
    """Return an output as ``nbformat.v4.new_output`` makes it from all its fields, without its
    schema check of every single output (a kernel's client makes none either): the whole
    notebook is checked when papermill writes it last."""
    return nbformat.from_dict({"output_type": output_type, **fields})


def write_unchecked(notebook: nbformat.NotebookNode, path: str) -> None:
    """Write ``notebook`` as papermill's ``write_ipynb`` does, without the schema check first
    (which only logs what it finds: it never stops a write)."""
    papermill_io.write(nbformat.v4.writes(notebook), path)


class CellOutputs:
    """The outputs of the cell being run, as a kernel's client would record them.

    Consecutive writes to one stream join one output, as JupyterLab shows them; a display with a
    ``display_id`` can be updated in place; ``clear_output(wait=True)`` clears at the next output.
    """

    def __init__(self) -> None:
        self.outputs: list[nbformat.NotebookNode] = []
        self.clear_before_next_output = False
        self.displays: dict[str, list[nbformat.NotebookNode]] = {}

    def start_cell(self, outputs: list[nbformat.NotebookNode]) -> None:
        """Record into ``outputs`` (a cell's list) from now on."""
        self.outputs = outputs
        self.clear_before_next_output = False

    def add(self, output: nbformat.NotebookNode) -> None:
        """Append one output (after a pending ``clear_output(wait=True)``)."""
        if self.clear_before_next_output:
            self.outputs.clear()
            self.clear_before_next_output = False
        self.outputs.append(output)

    def write_stream(self, name: str, text: str) -> None:
        """Add stream text, joined to the last output when it is the same stream."""
        if not text:
            return
        last = self.outputs[-1] if self.outputs and not self.clear_before_next_output else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self.add(new_output("stream", name=name, text=text))

    def display(self, data: dict[str, Any], metadata: dict[str, Any] | None, *, display_id: str = "", update: bool = False) -> None:
        """Add a display (or, with ``update``, replace every earlier display with its id)."""
        if update:
            for shown in self.displays.get(display_id, []):
                shown.data, shown.metadata = json_safe(data), metadata or {}
            return
        output = new_output("display_data", data=json_safe(data), metadata=metadata or {})
        if display_id:
            self.displays.setdefault(display_id, []).append(output)
        self.add(output)

    def clear(self, *, wait: bool) -> None:
        """Clear the cell's outputs now, or (``wait``) just before its next output."""
        if wait:
            self.clear_before_next_output = True
        else:
            self.outputs.clear()


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """Return a MIME bundle that JSON can hold: binary data (an image) as base64, as ipykernel
    sends it."""
    return {
        mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        for mime, value in data.items()
    }


class CellStream(io.TextIOBase):
    """``sys.stdout`` or ``sys.stderr`` while a notebook runs: text goes to the running cell.

    One object for the whole notebook, so a logging handler created in one cell still writes
    into the cell that is running when it logs, as under a kernel.
    """

    def __init__(self, name: str, outputs: CellOutputs) -> None:
        super().__init__()
        self.name = name
        self.cell_outputs = outputs

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """UTF-8, as a kernel's streams."""
        return "utf-8"

    def writable(self) -> bool:
        """Return True: a stream to write to."""
        return True

    def isatty(self) -> bool:
        """Return False: no terminal (progress bars and colours behave as under a kernel)."""
        return False

    def write(self, text: str) -> int:  # type: ignore[override]
        """Record ``text`` as this stream's output of the running cell."""
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.cell_outputs.write_stream(self.name, text)
        return len(text)


class NotebookDisplayHook(DisplayHook):
    """Record a cell's last value as its ``execute_result`` (every MIME type, as a kernel's)."""

    cell_outputs: CellOutputs | None = None

    def start_displayhook(self) -> None:
        """Nothing to start: the result is recorded whole in ``write_format_data``."""

    def write_output_prompt(self) -> None:
        """Print no ``Out[n]:`` prompt: the execution count goes into the output."""

    def write_format_data(self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None) -> None:
        """Record the formatted value as the cell's ``execute_result``."""
        if self.cell_outputs is not None:
            self.cell_outputs.add(new_output(
                "execute_result", data=json_safe(format_dict), metadata=md_dict or {},
                execution_count=self.prompt_count,
            ))

    def finish_displayhook(self) -> None:
        """Print nothing after the result (the base class writes a separator to stdout)."""


class NotebookDisplayPublisher(DisplayPublisher):
    """Record ``display()`` calls as ``display_data`` outputs of the running cell."""

    cell_outputs: CellOutputs | None = None

    def publish(
        self,
        data: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        source: Any = None,
        *,
        transient: dict[str, Any] | None = None,
        update: bool = False,
        **_: Any,
    ) -> None:
        """Record one display; ``update`` replaces the earlier ones with the same display id."""
        if self.cell_outputs is not None:
            display_id = (transient or {}).get("display_id", "")
            self.cell_outputs.display(data, metadata, display_id=display_id, update=update)

    def clear_output(self, wait: bool = False) -> None:
        """Clear the running cell's outputs (at its next output when ``wait``)."""
        if self.cell_outputs is not None:
            self.cell_outputs.clear(wait=wait)


class NotebookShell(InteractiveShell):
    """An IPython shell whose errors become ``error`` outputs, as ipykernel's shell sends them.

    ``show_errors_plainly`` (runbook_lib.notebook) calls ``_showtraceback`` with a one-line
    traceback for our errors; a kernel shows that line and so does this shell.
    """

    cell_outputs: CellOutputs | None = None

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        if self.cell_outputs is None:
            super()._showtraceback(etype, evalue, stb)
            return
        self.cell_outputs.add(new_output(
            "error", ename=str(etype.__name__), evalue=str(evalue), traceback=list(stb),
        ))

    def enable_gui(self, gui: str | None = None) -> None:
        """Refuse quietly: there is no event loop to integrate with (``%matplotlib inline`` works)."""


def start_shell(cell_outputs: CellOutputs) -> NotebookShell:
    """Return a brand-new shell (``get_ipython()`` returns it) that records into ``cell_outputs``.

    A new one for every notebook: the namespace, custom exception handlers (``show_errors_plainly``),
    events, magics and formatters a notebook sets up go with its shell. No history file is
    written: a headless run has no one to recall it.
    """
    config = Config()
    config.HistoryManager.enabled = False
    NotebookShell.clear_instance()
    InteractiveShell.clear_instance()
    shell = NotebookShell.instance(
        config=config, displayhook_class=NotebookDisplayHook, display_pub_class=NotebookDisplayPublisher,
    )
    shell.cell_outputs = cell_outputs
    shell.displayhook.cell_outputs = cell_outputs
    shell.display_pub.cell_outputs = cell_outputs
    return shell


def warm_up_shell() -> None:
    """Make and drop one shell, so that a process forked from this one makes its own faster.

    The first ``InteractiveShell`` of a process imports IPython's completer, inspector and
    magics and fills traitlets' class caches: 50 ms, against 10 ms for each one after. The
    runner calls this before it forks a copy per notebook; ``__main__`` and the streams are put
    back, and no shell is left behind (each notebook still gets a brand-new one).
    """
    with notebook_io(CellOutputs()):
        start_shell(CellOutputs())
    NotebookShell.clear_instance()
    InteractiveShell.clear_instance()


def refuse_input(*_: Any, **__: Any) -> str:
    """Stand in for ``input()`` and ``getpass()``: a headless run has no one to type."""
    raise StdinNotImplementedError(NO_STDIN_MESSAGE)


@contextmanager
def notebook_io(cell_outputs: CellOutputs) -> Iterator[None]:
    """Route stdout and stderr into the running cell and refuse input, for one notebook; put
    back the streams, ``input``, ``getpass`` and ``__main__`` afterwards."""
    saved = (sys.stdout, sys.stderr, builtins.input, getpass.getpass, sys.modules.get("__main__"))
    sys.stdout, sys.stderr = CellStream("stdout", cell_outputs), CellStream("stderr", cell_outputs)
    builtins.input = getpass.getpass = refuse_input
    try:
        yield
    finally:
        sys.stdout, sys.stderr, builtins.input, getpass.getpass, main = saved
        if main is not None:  # the shell made its namespace __main__, as a kernel does
            sys.modules["__main__"] = main
        else:
            sys.modules.pop("__main__", None)


def language_info() -> dict[str, Any]:
    """Return the notebook's ``language_info`` as ipykernel reports it."""
    return {
        "name": "python",
        "version": sys.version.split()[0],
        "mimetype": "text/x-python",
        "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
        "pygments_lexer": f"ipython{sys.version_info[0]}",
        "nbconvert_exporter": "python",
        "file_extension": ".py",
    }


class SparseSavingManager(NotebookExecutionManager):
    """papermill's execution manager, writing the notebook at most every ``SAVE_INTERVAL_SECONDS``
    between the first and the last save (which are always made).

    Attributes:
        papermill_writes_last: The cells ran to their end (or to a cell's error): papermill's
            ``execute_notebook`` writes the executed notebook next, so ``notebook_complete`` does
            not write it a moment before. When the engine itself fails, papermill writes nothing
            and ``notebook_complete``'s write is the record.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.between_cells = False
        self.papermill_writes_last = False

    def save(self, **kwargs: Any) -> None:
        """Write the notebook (unchecked: see ``SAVE_INTERVAL_SECONDS``), unless a cell's start or
        end comes too soon after the last write, or papermill writes it last."""
        if self.papermill_writes_last:
            self.last_save_time = self.now()
            return
        if self.between_cells and (self.now() - self.last_save_time).total_seconds() < SAVE_INTERVAL_SECONDS:
            return
        if self.output_path:
            write_unchecked(self.nb, self.output_path)
        self.last_save_time = self.now()

    def cell_start(self, cell: nbformat.NotebookNode, cell_index: int | None = None, **kwargs: Any) -> None:
        """Mark the cell running (saved only if the last write is old enough)."""
        self.between_cells = True
        try:
            super().cell_start(cell, cell_index, **kwargs)
        finally:
            self.between_cells = False

    def cell_complete(self, cell: nbformat.NotebookNode, cell_index: int | None = None, **kwargs: Any) -> None:
        """Mark the cell done (saved only if the last write is old enough)."""
        self.between_cells = True
        try:
            super().cell_complete(cell, cell_index, **kwargs)
        finally:
            self.between_cells = False


class InProcessEngine(Engine):
    """papermill's engine interface over ``NotebookShell``: every code cell, in order, here."""

    @classmethod
    def execute_notebook(
        cls,
        nb: nbformat.NotebookNode,
        kernel_name: str,
        output_path: str | None = None,
        progress_bar: bool = True,
        log_output: bool = False,
        autosave_cell_every: int = 30,
        **kwargs: Any,
    ) -> nbformat.NotebookNode:
        """Run the notebook as papermill's ``Engine.execute_notebook`` does, with sparse saves."""
        nb_man = SparseSavingManager(
            nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            nb_man.papermill_writes_last = output_path is not None
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man: NotebookExecutionManager, kernel_name: str, **kwargs: Any) -> None:
        """Run the notebook's cells, stopping at the first error, as papermill's kernel engine does.

        Args:
            nb_man: papermill's wrapper of the notebook: it saves it and times the cells.
            kernel_name: The notebook's kernel; only Python notebooks can run here.
            **kwargs: papermill's engine options; kernel start-up and timeouts do not apply.

        Raises:
            ValueError: for a notebook in another language than Python.
        """
        language = nb_man.nb.metadata.get("kernelspec", {}).get("language", "python")
        if language != "python":
            raise ValueError(f"the in-process engine runs Python notebooks only, not {language} ({kernel_name})")
        cell_outputs = CellOutputs()
        with notebook_io(cell_outputs):
            shell = start_shell(cell_outputs)
            for index, cell in enumerate(nb_man.nb.cells):
                nb_man.cell_start(cell, index)
                try:
                    if not run_cell(shell, cell, cell_outputs):
                        nb_man.cell_exception(cell, cell_index=index)
                        break
                finally:
                    nb_man.cell_complete(cell, cell_index=index)
        nb_man.nb.metadata["language_info"] = language_info()
        InteractiveShell.clear_instance()


def run_cell(shell: NotebookShell, cell: nbformat.NotebookNode, cell_outputs: CellOutputs) -> bool:
    """Run one cell (markdown and ``skip-execution`` cells are left alone); return False when it
    failed and the notebook must stop.

    A cell tagged ``raises-exception`` may fail and the notebook goes on, as under nbclient.
    """
    tags = cell.metadata.get("tags", [])
    if cell.cell_type != "code" or "skip-execution" in tags or not cell.source.strip():
        return True
    cell.outputs = []
    cell_outputs.start_cell(cell.outputs)
    result = shell.run_cell(cell.source, store_history=True, cell_id=cell.get("id"))
    cell.execution_count = result.execution_count
    return result.success or "raises-exception" in tags


def register_engine() -> str:
    """Make the engine known to papermill; return its name for ``execute_notebook``."""
    papermill_engines.register(ENGINE_NAME, InProcessEngine)
    return ENGINE_NAME
