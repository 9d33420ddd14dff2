"""Writing the person's files safely: private folders, atomic replacement.

The AWS CLI config and the SSO token cache live in the person's home; a crash half-way must
leave the old file or the new one, never half of one, and new folders are the owner's only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def make_private_folders(folder: Path) -> None:
    """Create ``folder`` and any missing parent, each new one readable by the owner only."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for new_folder in reversed(missing):
        os.mkdir(new_folder, PRIVATE_FOLDER_MODE)
        os.chmod(new_folder, PRIVATE_FOLDER_MODE)  # mkdir's mode is narrowed by the umask, never widened


def write_durably(descriptor: int, data: bytes) -> None:
    """Write ``data`` through an open descriptor and flush it to disk; close the descriptor."""
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_new_file(path: Path, data: bytes, mode: int = PRIVATE_FILE_MODE) -> None:
    """Create ``path`` with ``data``, never replacing an existing file; remove it if writing fails.

    Raises:
        FileExistsError: when ``path`` exists already.
    """
    # O_BINARY (Windows only) keeps the bytes as they are, \r\n included.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    complete = False
    try:
        write_durably(descriptor, data)
        os.chmod(path, mode)
        complete = True
    finally:
        if not complete:
            path.unlink(missing_ok=True)


def replace_atomically(path: Path, data: bytes, mode: int = PRIVATE_FILE_MODE) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it over ``path``.

    The rename is atomic on one file system, so a reader sees the old file or the new one; if
    anything fails the temporary file is removed. The temporary file is 0600 from the start
    (mkstemp), so nothing private is ever readable by others, even for a moment.
    """
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    replaced = False
    try:
        write_durably(descriptor, data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
        replaced = True
    finally:
        if not replaced:
            Path(temporary).unlink(missing_ok=True)
    try:
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a folder; the rename is done either way
        return
    try:
        os.fsync(folder)  # the rename itself survives a crash
    except OSError:
        pass
    finally:
        os.close(folder)
