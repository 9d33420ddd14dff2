"""What the sandbox owns on this machine outside moto, and forgetting it when the sandbox is reset.

A reset makes the sandbox a brand-new account (new ids, a new access portal URL). Whatever the
runbook wrote down about the old account must go with it, or the next run meets files that name
an account which no longer exists (``make run; make sandbox-reset; make run`` stopped at step 05:
the sandbox's config file still held the old start URL). What the sandbox owns:

- its own AWS CLI config file and that file's backups, the folder ``<runbook home>/sandbox/``;
- the SSO token cache entries of its sign-ins, ``~/.aws/sso/cache/<sha1(session name)>.json``;
- the saved settings, when they choose the sandbox (settings for a real account are kept).

A sandbox that is stopped or dies takes its account along too, so when a new one has to be started
its config file and tokens go as well (``process.ensure_sandbox``).

The token cache is shared with the person's real sign-ins, and a cache file is named only by its
sso-session's name, which a real config file may use as well. So a token file is removed only
when both hold: the sandbox's own config file has an ``[sso-session NAME]`` whose file it is, and
the file's ``startUrl`` is exactly that session's ``sso_start_url`` there. A real account's token
fails the second (its start URL is its own portal's), and a file the sandbox's config does not
name is never opened.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import botocore.configloader
import botocore.exceptions

from runbook_lib.paths import sandbox_config_file, sandbox_home, settings_file, token_cache_path


def read_sandbox_sessions(config_file: Path) -> dict[str, str]:
    """Return the sso-sessions of the sandbox's config file: name to ``sso_start_url``.

    A missing or unreadable file has none (nothing is then known to be the sandbox's).
    """
    try:
        config = botocore.configloader.load_config(str(config_file))
    except (botocore.exceptions.ConfigNotFound, botocore.exceptions.ConfigParseError):
        return {}
    return {
        name: section["sso_start_url"]
        for name, section in config.get("sso_sessions", {}).items()
        if isinstance(section, dict) and section.get("sso_start_url")
    }


def find_sandbox_tokens(config_file: Path) -> list[Path]:
    """Return the token cache files of the sandbox's sign-ins (see the module's rule)."""
    tokens = []
    for name, start_url in sorted(read_sandbox_sessions(config_file).items()):
        path = token_cache_path(name)
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(cached, dict) and cached.get("startUrl") == start_url:
            tokens.append(path)
    return tokens


def chooses_the_sandbox(path: Path) -> bool:
    """Return True when the saved settings at ``path`` choose the sandbox as the target.

    Settings that cannot be read are left alone: they may be the person's real account's.
    """
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(saved, dict) and saved.get("target", "sandbox") == "sandbox"


def forget_sandbox_files(*, settings: bool = True) -> list[Path]:
    """Remove what the sandbox owns on this machine; return what was removed.

    Args:
        settings: Remove saved settings that choose the sandbox too (a reset); False when a new
            sandbox is started because the remembered one is gone: the person may have just
            chosen the sandbox, and the settings name no account.

    Returns:
        The token cache files, the sandbox's config folder and the saved settings removed, in
        that order; empty when there was nothing of the sandbox's.
    """
    removed = find_sandbox_tokens(sandbox_config_file())  # read before the config file goes
    for token in removed:
        token.unlink(missing_ok=True)
    folder = sandbox_home()
    if folder.exists():
        shutil.rmtree(folder)
        removed.append(folder)
    saved = settings_file()
    if settings and chooses_the_sandbox(saved):
        saved.unlink(missing_ok=True)
        removed.append(saved)
    return removed
