"""Find the AWS CLI config file, read it, and write planned sections into it: the one side effect.

The file is found the way the AWS CLI finds it: botocore's ``config_file`` setting
(``AWS_CONFIG_FILE``, else ``~/.aws/config``), as aws-sso-util's config writer asks for it. A
plan's changes are applied by :data:`APPLIERS` through a :class:`ConfigWriter`: each change
merges its one section into the file and replaces the file atomically; the first write of a run
keeps a backup of the file as it was, the next ones do not make another. Nothing is written when
the file already holds the plan, and a file changed since the plan was made is refused.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import botocore.session

from runbook_lib.awsconfig.merge import merge_section
from runbook_lib.awsconfig.plan import (
    WRITE_SECTION,
    ConfigPlan,
    key_differences,
    plan_config_changes,
)
from runbook_lib.awsconfig.sections import (
    SsoProfile,
    SsoSession,
    read_section_address,
    section_header,
)
from runbook_lib.errors import ConfigConflictError, ConfigFileError, RunbookError
from runbook_lib.files import (
    PRIVATE_FILE_MODE,
    make_private_folders,
    replace_atomically,
    write_new_file,
)
from runbook_lib.plan import CREATE, Applier, Change, Plan, apply_plan

FILE_MODE = PRIVATE_FILE_MODE
BACKUP_TIME_FORMAT = "%Y%m%dT%H%M%S"


def find_config_file() -> Path:
    """Return the AWS CLI config file botocore reads, as it would find it now.

    botocore's own ``config_file`` setting: ``AWS_CONFIG_FILE`` when set, else
    ``~/.aws/config``. Asked at call time and expanded as botocore expands it (variables, then
    ``~``), so a changed ``HOME`` or ``AWS_CONFIG_FILE`` is honoured.

    Returns:
        The path; the file need not exist.

    Raises:
        ConfigFileError: If ``AWS_CONFIG_FILE`` is set but empty: botocore then reads no config
            file at all, so nothing written anywhere would be used.
    """
    configured = botocore.session.Session().get_config_variable("config_file")
    if not isinstance(configured, str) or not configured.strip():
        raise ConfigFileError(
            None,
            None,
            "cannot be found: AWS_CONFIG_FILE is set but empty, so the AWS CLI reads no config file at all",
            advice="Unset AWS_CONFIG_FILE (to use ~/.aws/config) or set it to a file's path.",
        )
    return Path(os.path.expanduser(os.path.expandvars(configured)))


def read_config_text(path: Path | str | None = None) -> str:
    """Return the config file's text, or ``""`` when there is no file yet.

    Args:
        path: The file; :func:`find_config_file` when None.

    Returns:
        The file's text, exactly as stored (line endings untouched).

    Raises:
        ConfigFileError: If the path is a folder or not a regular file, cannot be read, or is
            not UTF-8.
    """
    found = _read_file(Path(path) if path is not None else find_config_file())
    return "" if found is None else found.text


def plan_config_file(
    profiles: Sequence[SsoProfile],
    sessions: Sequence[SsoSession],
    *,
    path: Path | str | None = None,
    replace_conflicts: bool = False,
    allow_session_moves: bool = False,
) -> ConfigPlan:
    """Read the config file and plan writing ``profiles`` and ``sessions`` into it.

    Args:
        profiles: The profiles to write.
        sessions: The sso-sessions to write.
        path: The file; :func:`find_config_file` when None.
        replace_conflicts: As :func:`runbook_lib.awsconfig.plan.plan_config_changes`.
        allow_session_moves: As :func:`runbook_lib.awsconfig.plan.plan_config_changes`.

    Returns:
        The plan, remembering the file.

    Raises:
        ConfigFileError: If the file cannot be read or botocore could not parse it.
        InputError: As :func:`runbook_lib.awsconfig.plan.plan_config_changes`.
    """
    target = Path(path) if path is not None else find_config_file()
    return plan_config_changes(
        read_config_text(target), profiles, sessions, path=target,
        replace_conflicts=replace_conflicts, allow_session_moves=allow_session_moves,
    )


@dataclass(frozen=True)
class WriteResult:
    """What one run of writes did to the file.

    Attributes:
        path: The file written (or found already as planned).
        written: False when nothing needed writing: no file was touched, no backup made.
        created: True when the file did not exist before.
        backup_path: The copy of the file as it was before writing, if there was a file.
        sections_added: The sections added, as between the brackets.
        sections_replaced: The present sections whose keys were replaced.
    """

    path: Path
    written: bool
    created: bool = False
    backup_path: Path | None = None
    sections_added: tuple[str, ...] = ()
    sections_replaced: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """Say in a sentence or two what happened to the file."""
        if not self.written:
            return f"Nothing to write: {self.path} already holds these sections as planned."
        parts = []
        if self.sections_added:
            parts.append("added " + ", ".join(f"[{name}]" for name in self.sections_added))
        if self.sections_replaced:
            parts.append("replaced our keys in " + ", ".join(f"[{name}]" for name in self.sections_replaced))
        done = "; ".join(parts) or "updated"
        verb = "Created" if self.created else "Wrote"
        backup = f" The previous version is kept in {self.backup_path}." if self.backup_path else ""
        return f"{verb} {self.path}: {done}.{backup}"


@dataclass
class ConfigWriter:
    """One run of writes to one config file: the target :data:`APPLIERS` write through.

    Make one per apply with :meth:`for_plan`. It remembers what the file must hold before each
    write (the planned text, then what its own last write left), whether the backup is made,
    and what it wrote.

    Attributes:
        path: The file as named (a symbolic link stays a link; its target is written).
        planned_text: The file's text the plan was made from.
        planned_result: The file's text once the whole plan is written.
        unresolved: Conflicts the plan leaves to the person: while there is one, nothing is
            written (a profile must never point at a session that means something else).
        now: The time for the backup's name; the current local time when None.
        backup_path: The backup made by this run, if any.
        created: True when this run created the file.
        sections_added: The sections this run added, as between the brackets.
        sections_replaced: The sections whose keys this run replaced.
    """

    path: Path
    planned_text: str
    planned_result: str
    unresolved: tuple[Change, ...] = ()
    now: datetime | None = None
    backup_path: Path | None = field(default=None, init=False)
    created: bool = field(default=False, init=False)
    sections_added: list[str] = field(default_factory=list, init=False)
    sections_replaced: list[str] = field(default_factory=list, init=False)
    _last_written: str | None = field(default=None, init=False, repr=False)

    @classmethod
    def for_plan(cls, plan: ConfigPlan, *, path: Path | str | None = None, now: datetime | None = None) -> ConfigWriter:
        """Return a writer for ``plan``: to ``path``, else the plan's file, else :func:`find_config_file`."""
        if path is not None:
            target = Path(path)
        else:
            target = plan.path if plan.path is not None else find_config_file()
        return cls(target, plan.existing_text, plan.new_text, plan.conflicts, now)

    @property
    def written(self) -> bool:
        """Return True when this run changed the file."""
        return self._last_written is not None

    def refuse_conflicts(self) -> None:
        """Raise when the plan leaves a conflict: the whole write waits for the person's choice.

        Raises:
            ConfigConflictError: Naming every conflicting section and, for the first, each key.
        """
        if self.unresolved:
            first, *others = self.unresolved
            kind, name = read_section_address(first.address)
            raise ConfigConflictError(
                section_header(kind, name),
                key_differences(first),
                other_sections=[section_header(*read_section_address(change.address)) for change in others],
            )

    def write_section(self, change: Change) -> str:
        """Merge the change's section into the file, replacing the file atomically.

        Returns:
            What was done, in a sentence.

        Raises:
            ConfigConflictError: As :meth:`refuse_conflicts`; nothing is written.
            ConfigFileError: If the file cannot be read, changed since the plan was made, or
                cannot be written; the file is left as this run's last write left it.
        """
        self.refuse_conflicts()
        if change.after is None:
            raise RunbookError(
                f"{change.address}: removing a config section is not something the runbook does.",
                advice="This is a bug in the runbook: please report it with the plan shown above.",
            )
        header = section_header(*read_section_address(change.address))
        real = Path(os.path.realpath(self.path))
        found = _read_file(real)
        current = found.text if found is not None else ""
        expected = self._last_written if self._last_written is not None else self.planned_text
        if current != expected:
            if self._last_written is None and found is not None and current == self.planned_result:
                return f"[{header}] is already in {self.path} as planned; nothing written."
            raise ConfigFileError(
                self.path,
                _first_difference(current, expected),
                "changed since the plan was made (or the plan was made from another file)",
                advice="Make the plan again, look at its diff, then write.",
            )
        new_text = merge_section(current, change.address, change.after, path=self.path)
        if found is not None and new_text == current:
            return f"[{header}] is already in {self.path} as planned; nothing written."
        backup = self._write(real, found, new_text, header)
        self._last_written = new_text
        self.created = self.created or found is None
        (self.sections_added if change.action == CREATE else self.sections_replaced).append(header)
        if found is None:
            done = f"Created {self.path} with [{header}]."
        elif change.action == CREATE:
            done = f"Added [{header}] to {self.path}."
        else:
            done = f"Replaced our keys in [{header}] in {self.path}."
        return done + (f" The file as it was is kept in {backup}." if backup else "")

    def _write(self, real: Path, found: _FoundFile | None, new_text: str, header: str) -> Path | None:
        """Back the file up (first write of the run only) and replace it; return a new backup."""
        backup: Path | None = None
        try:
            make_private_folders(real.parent)
            if found is not None and not self.written:  # the file as it was before this run, once
                stamp = (self.now or datetime.now()).strftime(BACKUP_TIME_FORMAT)
                backup = self.backup_path = _write_backup(real, found.data, stamp)
            replace_atomically(real, new_text.encode("utf-8"), found.mode if found else FILE_MODE)
        except OSError as error:
            if backup is not None:
                backup.unlink(missing_ok=True)
                self.backup_path = None
            earlier = self.sections_added + self.sections_replaced
            kept = (
                f" (written before it: {', '.join(f'[{name}]' for name in earlier)}; the file as "
                f"it was is kept in {self.backup_path})" if earlier else ""
            )
            raise ConfigFileError(
                self.path,
                None,
                f"could not be written ({error}): [{header}] was not written{kept}",
                advice="Check the folder's permissions and the free disk space, then run this step again.",
            ) from error
        return backup

    def result(self) -> WriteResult:
        """Return what this run did."""
        return WriteResult(
            path=self.path,
            written=self.written,
            created=self.created,
            backup_path=self.backup_path,
            sections_added=tuple(self.sections_added),
            sections_replaced=tuple(self.sections_replaced),
        )


def write_section(writer: ConfigWriter, change: Change) -> str:
    """Apply one section change through ``writer`` (the applier of ``write_section`` changes)."""
    return writer.write_section(change)


APPLIERS: dict[str, Applier[ConfigWriter]] = {WRITE_SECTION: write_section}
"""The config file's appliers by operation, for :func:`runbook_lib.plan.apply_plan`."""


def write_config(plan: ConfigPlan, *, path: Path | str | None = None, now: datetime | None = None) -> WriteResult:
    """Write the whole plan into the config file, only when something changes.

    The same appliers as a step's ``apply_plan`` run, one section at a time. The file must
    still hold the text the plan was made from (or already the planned text, in which case
    nothing is written). Before the first change to an existing file, a copy is kept next to
    it as ``<name>.<YYYYmmddTHHMMSS>.bak`` (mode 0600). Each new text goes to a temporary file
    in the same folder that is renamed over the file, with the file's permission bits; a new
    file is created 0600, in a new folder 0700 if needed. A symbolic link is followed, so the
    link stays and its target is written.

    Args:
        plan: From :func:`runbook_lib.awsconfig.plan.plan_config_changes` or :func:`plan_config_file`.
        path: The file; when None, the file the plan was made from, else :func:`find_config_file`.
        now: The time for the backup's name; the current local time when None.

    Returns:
        What was done; ``written`` is False when the file already held the plan.

    Raises:
        ConfigConflictError: If the plan has conflicts (plan again with ``replace_conflicts``).
        ConfigFileError: If the file cannot be read, changed since the plan was made, or
            cannot be written.
    """
    writer = ConfigWriter.for_plan(plan, path=path, now=now)
    writer.refuse_conflicts()
    _read_file(Path(os.path.realpath(writer.path)))  # a folder or unreadable file is refused even with nothing to do
    apply_plan(Plan("aws_config", plan.changes), APPLIERS, writer)
    return writer.result()


@dataclass(frozen=True)
class _FoundFile:
    """The config file's bytes, text and permission bits as read."""

    data: bytes
    text: str
    mode: int


def _read_file(path: Path) -> _FoundFile | None:
    """Read the config file; None when it does not exist.

    Raises:
        ConfigFileError: If it is a folder or not a regular file, cannot be read, or is not
            UTF-8.
    """
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ConfigFileError(
            path,
            None,
            f"cannot be reached ({error.strerror})",
            advice="Check that every folder on the path exists and is a folder you can open.",
        ) from error
    if stat.S_ISDIR(status.st_mode):
        raise ConfigFileError(
            path, None, "is a folder, not a file",
            advice="Point AWS_CONFIG_FILE at a file (or unset it to use ~/.aws/config).",
        )
    if not stat.S_ISREG(status.st_mode):
        raise ConfigFileError(
            path, None, "is not a regular file",
            advice="Point AWS_CONFIG_FILE at a regular file (or unset it to use ~/.aws/config).",
        )
    try:
        data = path.read_bytes()
    except PermissionError as error:
        raise ConfigFileError(
            path, None, "cannot be read: permission denied",
            advice="Make the file yours and readable (e.g. `chmod 600` on it), then run this step again.",
        ) from error
    except OSError as error:
        raise ConfigFileError(
            path, None, f"cannot be read ({error.strerror})", advice="Check the file, then run this step again."
        ) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            path,
            data.count(b"\n", 0, error.start) + 1,
            f"is not UTF-8 text (byte 0x{data[error.start]:02x})",
            advice="Save the file as UTF-8 (or remove the odd character), then run this step again.",
        ) from error
    return _FoundFile(data, text, stat.S_IMODE(status.st_mode))


def _first_difference(first: str, second: str) -> int:
    """Return the 1-based number of the first line where two texts differ."""
    for number, (one, two) in enumerate(zip(first.splitlines(keepends=True), second.splitlines(keepends=True)), start=1):
        if one != two:
            return number
    return min(len(first.splitlines()), len(second.splitlines())) + 1


def _write_backup(real: Path, data: bytes, stamp: str) -> Path:
    """Write ``data`` to ``<name>.<stamp>.bak`` next to the file (0600); never overwrite one."""
    attempt = 1
    while True:
        suffix = "" if attempt == 1 else f"-{attempt}"
        backup = real.with_name(f"{real.name}.{stamp}{suffix}.bak")
        try:
            write_new_file(backup, data, FILE_MODE)
        except FileExistsError:
            attempt += 1
            continue
        return backup
