"""How the runbook's own processes use Python's garbage collector: less often than Python's
default, and not at all on the way out.

Apart from ``warm_up`` (a headless run's preparations) because the lab's kernels use it too, at
the bottom of the layers: a JupyterLab kernel loads it through ``runbook_lib.cells``.
"""

from __future__ import annotations

import atexit
import gc

GC_THRESHOLD = 50_000
"""The runbook's processes collect garbage once every this many new objects, not Python's 700."""


def collect_garbage_less_often() -> None:
    """Raise this process's garbage-collection threshold to ``GC_THRESHOLD`` (the older
    generations' thresholds kept).

    A headless run's processes are short and allocate in bursts (imports, botocore's models and
    clients): with Python's threshold of 700 a forked copy ran 10-70 collections per notebook,
    0.4 s of a run's cpu, to free almost nothing (``gc.freeze`` already keeps the inherited
    objects out of them). A kernel importing boto3 and the runbook in its first cell is the same.
    A collection still comes every ``GC_THRESHOLD`` objects, so the memory cycles hold stays
    bounded, a few MB.
    """
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


def skip_the_collection_at_exit() -> None:
    """Let this IPython kernel exit without scanning everything it holds.

    IPython's shell, as it exits, resets its namespace and calls ``gc.collect()`` (then Python
    collects again as it finalizes): in a kernel that has run a step (boto3, botocore's models,
    the widgets) that was 0.29 s of cpu, the larger part of the 0.43 s JupyterLab waits for a
    kernel to go when its notebook is shut down. Registered after the shell's own exit hook, this
    runs first (``atexit`` runs hooks last in, first out) and freezes the heap, so those
    collections have nothing to scan. What a cycle holds is then not finalized at exit, which
    Python never promised anyway; what the runbook writes (the ledger, the AWS config file, the
    notebook) is written and closed when the cell runs, never at exit.
    """
    atexit.register(gc.freeze)
