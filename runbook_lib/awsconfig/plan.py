"""Plan writing SSO profiles and sessions into a config file's text: pure, no file touched.

Each section to write becomes a :class:`runbook_lib.plan.Change` addressed by the section
(``aws_config_profile.admin``), with the section's keys and values now (``before``, None when
absent) and once written (``after``): ``create`` for a new section, ``no-op`` when it already
holds our values, ``conflict`` when a same-named section holds others (``update`` only with
``replace_conflicts``). Applying a change is merging its one section into the file
(:func:`runbook_lib.awsconfig.merge.merge_section`), so the plan's whole new text and diff are
the exact dry run of what the appliers in :mod:`runbook_lib.awsconfig.write` do, change by change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from runbook_lib.awsconfig.merge import find_single_section, merge_section, unified_diff
from runbook_lib.awsconfig.parse import (
    PROFILE,
    SSO_SESSION,
    ConfigSection,
    ParsedConfig,
    parse_config,
    section_identity,
    split_lines,
)
from runbook_lib.awsconfig.sections import (
    SsoProfile,
    SsoSession,
    checked_profile,
    checked_session,
    keys_of,
    read_section_address,
    removable_keys_of,
    section_address,
    section_header,
)
from runbook_lib.errors import InputError
from runbook_lib.plan import CONFLICT, CREATE, NO_OP, UPDATE, Change, Plan

WRITE_SECTION = "write_section"
"""The operation of every change the writer makes: merge one section into the file."""


class KeyDifference(NamedTuple):
    """One key of a section that would change.

    Attributes:
        key: The key, in lower case as botocore reads it.
        old: The value in the section now; None when the key is not set.
        new: The value to write; None when writing removes the key.
    """

    key: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ConfigPlan:
    """What writing would do to the config file; the plan is the dry run.

    Attributes:
        existing_text: The file's text the plan was made from (``""`` for no file).
        new_text: The whole file once every create, update and conflict is written (a
            conflict is written only after planning again with ``replace_conflicts``).
        changes: One change per section to write, in the order given (profiles, then sessions).
        added_text: Exactly the new sections appended at the end, as ``aws configure sso``
            formats them, in the file's line endings.
        diff: A unified diff of the whole file, now and after writing (``""`` when nothing
            changes), for display.
        path: The file the text came from, when known; the writer writes there.
        section_lines: Each present section's address to its header line now (1-based).
    """

    existing_text: str
    new_text: str
    changes: tuple[Change, ...]
    added_text: str
    diff: str
    path: Path | None = None
    section_lines: Mapping[str, int] = field(default_factory=dict)

    @property
    def nothing_to_write(self) -> bool:
        """Return True when the file already holds every section as planned."""
        return self.new_text == self.existing_text

    @property
    def conflicts(self) -> tuple[Change, ...]:
        """The sections present with other values; replaced only when planned with
        ``replace_conflicts``."""
        return tuple(change for change in self.changes if change.action == CONFLICT)

    @property
    def additions(self) -> tuple[Change, ...]:
        """The sections to add."""
        return tuple(change for change in self.changes if change.action == CREATE)

    @property
    def updates(self) -> tuple[Change, ...]:
        """The present sections whose keys will be replaced."""
        return tuple(change for change in self.changes if change.action == UPDATE)

    def line_number(self, address: str) -> int | None:
        """Return the header line of the section at ``address`` now, or None when absent."""
        return self.section_lines.get(address)

    def to_plan(self, step: str) -> Plan:
        """Return the changes as the step's plan."""
        return Plan(step, self.changes)


def key_differences(change: Change) -> tuple[KeyDifference, ...]:
    """Return the keys a section change sets or removes, our keys first in the AWS CLI's order."""
    before = change.before or {}
    after = change.after or {}
    kind, _ = read_section_address(change.address)
    order = list(keys_of(kind)) + list(removable_keys_of(kind))
    order += [key for key in list(before) + list(after) if key not in order]
    seen: set[str] = set()
    differences = []
    for key in order:
        if key in seen:
            continue
        seen.add(key)
        if before.get(key) != after.get(key):
            differences.append(KeyDifference(key, before.get(key), after.get(key)))
    return tuple(differences)


def kept_keys(change: Change) -> tuple[str, ...]:
    """Return the person's own keys in a present section: they stay and are no difference."""
    kind, _ = read_section_address(change.address)
    ours = set(keys_of(kind)) | set(removable_keys_of(kind))
    return tuple(key for key in (change.before or {}) if key not in ours)


@dataclass(frozen=True)
class _Target:
    """One section to write: its botocore identity and our values for it."""

    kind: str
    name: str
    values: dict[str, str]

    @property
    def address(self) -> str:
        """The section's address in the plan."""
        return section_address(self.kind, self.name)


def plan_config_changes(
    existing_text: str,
    profiles: Sequence[SsoProfile],
    sessions: Sequence[SsoSession],
    *,
    path: Path | None = None,
    replace_conflicts: bool = False,
    allow_session_moves: bool = False,
) -> ConfigPlan:
    """Plan writing SSO profiles and sessions into a config file with ``existing_text``.

    A section counts as present when botocore would read it as that profile or session (so
    ``[profile default]`` is the default profile, and ``[profile "x"]`` is profile ``x``).
    Present with exactly our values for our keys: ``no-op`` (other keys the person added do
    not count). Present with other values, a key of ours missing, or sign-in keys of a legacy
    SSO profile (``sso_start_url``/``sso_region`` in the profile itself): ``conflict``, or
    ``update`` with ``replace_conflicts``. Absent: ``create``, appended at the end of the file.
    Other sections, legacy profiles of other names included, are never touched.

    Args:
        existing_text: The file's text now; ``""`` for no file.
        profiles: The profiles to write (from :func:`build_sso_profile`).
        sessions: The sso-sessions to write (from :func:`build_sso_session`).
        path: The file the text came from, to name it in messages and the diff and to write
            it later; planning never reads it.
        replace_conflicts: Plan to replace our keys in present sections that hold other
            values (the person's other keys and comments stay).
        allow_session_moves: Plan as an ``update``, not a conflict, a profile whose only
            difference is its ``sso_session``, when the session it uses now signs in to the
            same portal in the same region as the new one: only the sign-in (token cache) it
            shares changes. The old session stays in the file; the change's detail says who
            still uses it.

    Returns:
        The plan, with the whole new text, the text added and a diff.

    Raises:
        InputError: If a profile or session breaks a field rule (every field is checked again,
            so nothing unchecked reaches the file), a name is given twice, or a profile names
            an sso-session that is neither given nor in the file.
        ConfigFileError: If botocore could not read the text, or one of our profiles or
            sessions is defined in two sections of the file.
    """
    profiles = [checked_profile(profile) for profile in profiles]
    sessions = [checked_session(session) for session in sessions]
    _require_unique([profile.profile_name for profile in profiles], "profile_name")
    _require_unique([session.name for session in sessions], "sso_session")
    parsed = parse_config(existing_text, path)
    session_values = _sessions_in_file(parsed)
    session_values.update({session.name: session.config_values() for session in sessions})
    for profile in profiles:
        if profile.sso_session not in session_values:
            raise InputError(
                "sso_session",
                profile.sso_session,
                f"profile {profile.profile_name!r} refers to an sso-session that is neither "
                "given nor in the config file; pass that session too",
            )
    targets = [_Target(PROFILE, p.profile_name, p.config_values()) for p in profiles]
    targets += [_Target(SSO_SESSION, s.name, s.config_values()) for s in sessions]
    new_sessions = {t.name: t.values["sso_session"] for t in targets if t.kind == PROFILE}

    changes: list[Change] = []
    section_lines: dict[str, int] = {}
    for target in targets:
        found = find_single_section(parsed, target.kind, target.name, path)
        if found is None:
            changes.append(Change(CREATE, target.address, "New section, added at the end of the file.",
                                  WRITE_SECTION, None, dict(target.values)))
            continue
        section_lines[target.address] = found.line_number
        change = _plan_present_section(parsed, found, target, replace_conflicts=replace_conflicts)
        if allow_session_moves and change.action == CONFLICT:
            change = _as_session_move(parsed, change, session_values, new_sessions) or change
        changes.append(change)

    new_text = existing_text
    for change in changes:
        if change.before != change.after:
            new_text = merge_section(new_text, change.address, change.after, path=path)
    newline = parsed.newline()
    added = [_section_lines(change) for change in changes if change.action == CREATE]
    added_lines = [line for position, lines in enumerate(added) for line in ([""] if position else []) + lines]
    return ConfigPlan(
        existing_text=existing_text,
        new_text=new_text,
        changes=tuple(changes),
        added_text="".join(line + newline for line in added_lines),
        diff=unified_diff(parsed.lines, split_lines(new_text), path),
        path=path,
        section_lines=section_lines,
    )


def _sessions_in_file(parsed: ParsedConfig) -> dict[str, dict[str, str]]:
    """Return every sso-session botocore reads from the file, by name."""
    found = {}
    for section in parsed.sections:
        identity = section_identity(section.header)
        if identity is not None and identity[0] == SSO_SESSION:
            found[identity[1]] = parsed.effective_values(section)
    return found


def _ordered(values: Mapping[str, str], kind: str) -> dict[str, str]:
    """Return a section's values with our keys first, in the AWS CLI's order, then the others."""
    order = list(keys_of(kind)) + list(removable_keys_of(kind))
    ours = {key: values[key] for key in order if key in values}
    return {**ours, **{key: value for key, value in values.items() if key not in ours}}


def _plan_present_section(
    parsed: ParsedConfig, section: ConfigSection, target: _Target, *, replace_conflicts: bool
) -> Change:
    """Return the change for a section that is in the file: no-op, conflict or update.

    Values compare as botocore reads them ([DEFAULT]'s keys included); ``before`` and ``after``
    are the section's own keys, so they show exactly the lines that will change.
    """
    effective = parsed.effective_values(section)
    own = section.values()
    differences = [
        KeyDifference(key, effective.get(key), value)
        for key, value in target.values.items()
        if effective.get(key) != value
    ]
    differences += [KeyDifference(key, own[key], None) for key in removable_keys_of(target.kind) if key in own]
    after = dict(own)
    for difference in differences:
        if difference.new is None:
            after.pop(difference.key, None)
        else:
            after[difference.key] = difference.new
    before = _ordered(own, target.kind)
    kept = tuple(key for key in own if key not in target.values and key not in removable_keys_of(target.kind))
    kept_note = (
        f" Your own keys in it ({', '.join(kept)}) stay as they are and do not count as a difference."
        if kept else ""
    )
    if not differences:
        detail = f"Already there with these values (line {section.line_number}); left as it is.{kept_note}"
        return Change(NO_OP, target.address, detail, "", before, before)
    changes = "; ".join(
        f"{difference.key}: {_shown(difference.old, 'not set')} -> {_shown(difference.new, 'removed')}"
        for difference in differences
    )
    legacy = ""
    if any(difference.new is None for difference in differences):
        legacy = (
            " The profile holds the sign-in settings itself (a legacy SSO profile); once "
            "replaced, the sso-session section holds them."
        )
    found = f"Already there (line {section.line_number}) with other values: {changes}.{legacy}"
    if replace_conflicts:
        detail = f"{found} Replaced as asked (replace_conflicts=True): just these keys change.{kept_note}"
        return Change(UPDATE, target.address, detail, WRITE_SECTION, before, _ordered(after, target.kind))
    detail = f"{found} Written only with replace_conflicts=True, which changes just these keys.{kept_note}"
    return Change(CONFLICT, target.address, detail, "", before, _ordered(after, target.kind))


def _as_session_move(
    parsed: ParsedConfig,
    change: Change,
    session_values: Mapping[str, Mapping[str, str]],
    new_sessions: Mapping[str, str],
) -> Change | None:
    """Return a profile's conflict as an update when it only moves to another session of the
    same sign-in (portal and region), else None."""
    kind, _ = read_section_address(change.address)
    differences = key_differences(change)
    if kind != PROFILE or [difference.key for difference in differences] != ["sso_session"]:
        return None
    old, new = differences[0].old, differences[0].new
    sign_in = ("sso_start_url", "sso_region")
    if old is None or new is None or old not in session_values:
        return None
    if any(session_values[old].get(key) != session_values[new].get(key) for key in sign_in):
        return None
    users = []
    for section in parsed.sections:
        identity = section_identity(section.header)
        if identity is None or identity[0] != PROFILE:
            continue
        uses = new_sessions.get(identity[1], parsed.effective_values(section).get("sso_session"))
        if uses == old:
            users.append(identity[1])
    still = (
        f"profile {', '.join(users)} still uses it" if len(users) == 1
        else f"profiles {', '.join(users)} still use it" if users
        else "no profile uses it once this is applied (delete it by hand if you like)"
    )
    detail = (
        f"Moves from sso-session {old!r} to {new!r} (the same portal and region): one sign-in "
        f"per person, so signing in as one person no longer signs the other out. Sign in once "
        f"more with this profile afterwards. [sso-session {old}] stays in the file; {still}."
    )
    return Change(UPDATE, change.address, detail, WRITE_SECTION, change.before, change.after)


def _shown(value: str | None, missing: str) -> str:
    """Return a value quoted for a sentence, or ``(missing)`` when there is none."""
    return f"({missing})" if value is None else repr(value)


def _require_unique(names: list[str], field_name: str) -> None:
    """Raise InputError when a name appears twice."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(field_name, name, "is given twice; each section is written once")
        seen.add(name)


def _section_lines(change: Change) -> list[str]:
    """Return a new section's lines as ``aws configure sso`` writes them."""
    kind, name = read_section_address(change.address)
    return [f"[{section_header(kind, name)}]"] + [f"{key} = {value}" for key, value in change.after.items()]
