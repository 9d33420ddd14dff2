"""Where the runbook keeps its own files, worked out in one place.

Everything lives under the runbook's home: ``RUNBOOK_HOME``, else ``~/.runbook``, except the SSO
token cache, which is botocore's and the AWS CLI's. Both are read on every call, never at import,
so a test or a kernel that points ``RUNBOOK_HOME`` (or ``HOME``) somewhere else is heard from then
on. The sandbox server never reads it: the client hands the
server whatever folder it needs on its command line.
"""

from __future__ import annotations

import hashlib
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


def token_cache_path(session_name: str) -> Path:
    """Return where botocore looks for the token of ``[sso-session session_name]``.

    ``~`` is expanded now, so a changed ``HOME`` counts (botocore itself fixes the folder when
    it is first imported).
    """
    digest = hashlib.sha1(session_name.encode("utf-8")).hexdigest()
    return Path(os.path.expanduser("~")) / ".aws" / "sso" / "cache" / f"{digest}.json"
