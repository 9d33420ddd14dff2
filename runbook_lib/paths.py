"""Where the runbook keeps its own files, worked out in one place.

Everything lives under the runbook's home: ``RUNBOOK_HOME``, else ``~/.runbook``. It is read on
every call, never at import, so a test or a kernel that points ``RUNBOOK_HOME`` (or ``HOME``)
somewhere else is heard from then on. The sandbox server never reads it: the client hands the
server whatever folder it needs on its command line.
"""

from __future__ import annotations

import os
from pathlib import Path


def runbook_home() -> Path:
    """Return the runbook's own folder (``RUNBOOK_HOME`` or ``~/.runbook``)."""
    return Path(os.environ.get("RUNBOOK_HOME") or Path.home() / ".runbook")


def settings_file() -> Path:
    """Return where 00_start_here keeps the chosen target."""
    return runbook_home() / "settings.json"


def sandbox_home() -> Path:
    """Return the folder of the files the sandbox owns outside moto (its AWS CLI config and that
    file's backups); a reset of the sandbox removes it whole."""
    return runbook_home() / "sandbox"


def sandbox_config_file() -> Path:
    """Return the AWS CLI config file the sandbox's profiles go to (never the person's own)."""
    return sandbox_home() / "aws-config"
