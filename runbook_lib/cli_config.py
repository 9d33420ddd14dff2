"""Merge what ``aws configure sso`` would write into the person's AWS CLI config file, safely.

Three parts, as everywhere in the runbook:

* Data: :class:`SsoProfile` and :class:`SsoSession`, made by :func:`build_sso_profile` and
  :func:`build_sso_session`, which validate every field before anything touches a file.
* Pure planning: :func:`plan_config_changes` takes the file's text and returns a
  :class:`ConfigPlan`: per section ``add``, ``unchanged`` or ``conflict`` (with old and new
  values), the exact text that will be added, and a unified diff of the whole file. The plan is
  the dry run.
* The one side effect: :func:`write_config` writes the plan atomically, after a backup, and
  only when something changes.

The file is read by a small line-based parser of our own, not ``configparser``, which would drop
comments and normalise the file when writing it back. The parser follows the rules botocore reads
the file by (``configparser.RawConfigParser`` with its defaults, plus botocore's indented
"nested" values), so a section, a key and a value here are what botocore sees, and a file
botocore would refuse is refused here too. Every line the plan does not change is written back
byte for byte, in the file's own line endings.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import shlex
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from runbook_lib.errors import ConfigConflictError, ConfigFileError, InputError
from runbook_lib.files import PRIVATE_FILE_MODE, make_private_folders, replace_atomically, write_new_file
from runbook_lib.validate import (
    validate_account_id,
    validate_permission_set_name,
    validate_portal_url,
    validate_profile_name,
    validate_region,
)

if TYPE_CHECKING:  # pandas is heavy; only the table view needs it
    import pandas

DEFAULT_CONFIG_PATH = "~/.aws/config"
DEFAULT_REGISTRATION_SCOPES = "sso:account:access"
# The AWS CLI v2 `--output` choices (`aws help config-vars`, "output").
OUTPUT_FORMATS = ("json", "yaml", "yaml-stream", "text", "table")

# The keys each section gets, in the order `aws configure sso` writes them.
PROFILE_KEYS = ("sso_session", "sso_account_id", "sso_role_name", "region", "output")
SESSION_KEYS = ("sso_start_url", "sso_region", "sso_registration_scopes")
# A profile that uses an sso-session must not carry these itself: botocore refuses a profile
# whose copy differs from the session's ("The value for sso_start_url is inconsistent between
# profile and sso-session", botocore.credentials.SSOProvider). Legacy SSO profiles hold
# sso_start_url and sso_region; replacing such a profile removes them.
SESSION_KEYS_IN_PROFILE = SESSION_KEYS

FILE_MODE = PRIVATE_FILE_MODE
BACKUP_TIME_FORMAT = "%Y%m%dT%H%M%S"

ACTIONS = ("add", "unchanged", "conflict")

# One line and its ending. Python reads text files with universal newlines, so botocore ends a
# line at \r\n, \n or a lone \r; so do we.
_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n)?")
# configparser.RawConfigParser's own patterns (SECTCRE, OPTCRE with delimiters = and :,
# NONSPACECRE), matched against the stripped line as configparser does.
_SECTION_HEADER = re.compile(r"\[(?P<header>.+)\]")
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$")
_NONSPACE = re.compile(r"\S")
_COMMENT_PREFIXES = ("#", ";")
# configparser's default_section: its keys are inherited by every other section.
_DEFAULT_SECTION = "DEFAULT"
# An OAuth scope as IAM Identity Center names them, e.g. sso:account:access.
_SCOPE = re.compile(r"[A-Za-z0-9_.:/-]+", re.ASCII)
_DUALSTACK_REGION = re.compile(r"https://ssoins-[a-z0-9]+\.portal\.([a-z0-9-]+)\.app\.aws")


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class SsoProfile:
    """A ``[profile NAME]`` section as ``aws configure sso`` writes it.

    Make one with :func:`build_sso_profile`, which validates every field.

    Attributes:
        profile_name: The AWS CLI profile name; ``default`` is written as ``[default]``.
        sso_session: The ``[sso-session NAME]`` the profile signs in through.
        account_id: The 12-digit account the role is in.
        role_name: The permission set's name (IAM Identity Center's role name).
        region: The default region for commands run with the profile.
        output: The AWS CLI output format.
    """

    profile_name: str
    sso_session: str
    account_id: str
    role_name: str
    region: str
    output: str = "json"

    @property
    def section(self) -> str:
        """The section name between the brackets: ``default`` or ``profile NAME``."""
        return "default" if self.profile_name == "default" else f"profile {self.profile_name}"

    def config_values(self) -> dict[str, str]:
        """Return the section's keys and values, in the order the AWS CLI writes them."""
        return dict(
            zip(
                PROFILE_KEYS,
                (self.sso_session, self.account_id, self.role_name, self.region, self.output),
            )
        )


@dataclass(frozen=True)
class SsoSession:
    """An ``[sso-session NAME]`` section as ``aws configure sso`` writes it.

    Make one with :func:`build_sso_session`, which validates every field.

    Attributes:
        name: The session name profiles refer to with ``sso_session``.
        start_url: The AWS access portal URL.
        sso_region: The region IAM Identity Center is enabled in.
        registration_scopes: The OAuth scopes the AWS CLI registers for, comma-separated.
    """

    name: str
    start_url: str
    sso_region: str
    registration_scopes: str = DEFAULT_REGISTRATION_SCOPES

    @property
    def section(self) -> str:
        """The section name between the brackets: ``sso-session NAME``."""
        return f"sso-session {self.name}"

    def config_values(self) -> dict[str, str]:
        """Return the section's keys and values, in the order the AWS CLI writes them."""
        return dict(zip(SESSION_KEYS, (self.start_url, self.sso_region, self.registration_scopes)))


def build_sso_profile(
    *,
    profile_name: object,
    sso_session: object,
    account_id: object,
    role_name: object,
    region: object,
    output: object = "json",
) -> SsoProfile:
    """Validate the fields of an SSO profile and return it.

    Args:
        profile_name: The AWS CLI profile name (the CLI's safe alphabet, see
            :func:`runbook_lib.validate.validate_profile_name`); ``default`` is allowed.
        sso_session: The name of the sso-session the profile uses (same rules).
        account_id: The 12-digit account ID, as text.
        role_name: The permission set's name (1 to 32 of ``A-Za-z0-9_+=,.@-``).
        region: The profile's default region, e.g. ``us-east-1``.
        output: The output format: one of ``OUTPUT_FORMATS``.

    Returns:
        The profile, every field stripped and checked.

    Raises:
        InputError: Naming the first field (as the parameter is named here) that breaks a rule.
    """
    return SsoProfile(
        profile_name=validate_profile_name(profile_name, field="profile_name"),
        sso_session=validate_profile_name(sso_session, field="sso_session"),
        account_id=validate_account_id(account_id, field="account_id"),
        role_name=validate_permission_set_name(role_name, field="role_name"),
        region=validate_region(region, field="region"),
        output=_validate_output(output, field="output"),
    )


def build_sso_session(
    *,
    name: object,
    start_url: object,
    sso_region: object,
    registration_scopes: object = DEFAULT_REGISTRATION_SCOPES,
) -> SsoSession:
    """Validate the fields of an sso-session and return it.

    Args:
        name: The session name (the same rules as a profile name). Errors report it as the
            field ``sso_session``, the name profiles refer to it by.
        start_url: The AWS access portal URL; normalised as
            :func:`runbook_lib.validate.validate_portal_url` does.
        sso_region: The region IAM Identity Center is enabled in. A dual-stack portal URL names
            a region too; the two must agree.
        registration_scopes: OAuth scopes separated by commas.

    Returns:
        The session, every field stripped and checked.

    Raises:
        InputError: Naming the first field that breaks a rule.
    """
    session_name = validate_profile_name(name, field="sso_session")
    url = validate_portal_url(start_url, field="start_url")
    region = validate_region(sso_region, field="sso_region")
    dualstack = _DUALSTACK_REGION.match(url)
    if dualstack and dualstack.group(1) != region:
        raise InputError(
            "sso_region",
            sso_region,
            f"must be the region in the portal URL ({dualstack.group(1)}): IAM Identity Center "
            "answers only in the region it is enabled in",
        )
    return SsoSession(
        name=session_name,
        start_url=url,
        sso_region=region,
        registration_scopes=_validate_scopes(registration_scopes, field="registration_scopes"),
    )


def _validate_output(value: object, *, field: str) -> str:
    """Return ``value`` stripped if it is an AWS CLI output format, else raise InputError."""
    rule = "must be one of " + ", ".join(OUTPUT_FORMATS)
    if not isinstance(value, str) or value.strip() not in OUTPUT_FORMATS:
        raise InputError(field, value, rule)
    return value.strip()


def _validate_scopes(value: object, *, field: str) -> str:
    """Return ``value`` stripped if it is comma-separated OAuth scopes, else raise InputError."""
    rule = (
        "must be one or more OAuth scopes separated by commas, such as "
        f"{DEFAULT_REGISTRATION_SCOPES} (letters, digits and _ . : / - only)"
    )
    if not isinstance(value, str):
        raise InputError(field, value, rule)
    scopes = [scope.strip() for scope in value.split(",")]
    if not all(_SCOPE.fullmatch(scope) for scope in scopes):
        raise InputError(field, value, rule)
    return value.strip()


# --------------------------------------------------------------------------------------------
# Where the file is


def config_path() -> Path:
    """Return the AWS CLI config file botocore reads, as it would find it now.

    ``AWS_CONFIG_FILE`` when set, else ``~/.aws/config``. Variables and ``~`` are expanded at
    call time, as botocore does, so a changed ``HOME`` or ``AWS_CONFIG_FILE`` is honoured.

    Returns:
        The path; the file need not exist.

    Raises:
        ConfigFileError: If ``AWS_CONFIG_FILE`` is set but empty: botocore then reads no config
            file at all, so nothing written anywhere would be used.
    """
    configured = os.environ.get("AWS_CONFIG_FILE", DEFAULT_CONFIG_PATH)
    if not configured.strip():
        raise ConfigFileError(
            None,
            None,
            "cannot be found: AWS_CONFIG_FILE is set but empty, so the AWS CLI reads no config "
            "file at all",
            advice="Unset AWS_CONFIG_FILE (to use ~/.aws/config) or set it to a file's path.",
        )
    return Path(os.path.expanduser(os.path.expandvars(configured)))


def read_config_text(path: Path | str | None = None) -> str:
    """Return the config file's text, or ``""`` when there is no file yet.

    Args:
        path: The file; :func:`config_path` when None.

    Returns:
        The file's text, exactly as stored (line endings untouched).

    Raises:
        ConfigFileError: If the path is a folder or not a regular file, cannot be read, or is
            not UTF-8.
    """
    target = Path(path) if path is not None else config_path()
    found = _read_file(target)
    return "" if found is None else found.text


# --------------------------------------------------------------------------------------------
# Parsing: botocore's rules, every byte kept


@dataclass
class _Section:
    """One section of the file as the parser found it (line indexes are 0-based)."""

    header: str
    header_index: int
    parts: dict[str, list[str]] = field(default_factory=dict)
    option_index: dict[str, int] = field(default_factory=dict)
    continuation_indexes: dict[str, list[int]] = field(default_factory=dict)
    last_body_index: int = -1
    last_option_index: int | None = None

    def values(self) -> dict[str, str]:
        """Return each key's value as configparser joins it (continuation lines included)."""
        return {key: "\n".join(parts).rstrip() for key, parts in self.parts.items()}


@dataclass
class _ParsedFile:
    """The file's lines and sections; ``lines`` reassembled give back the text exactly."""

    lines: list[tuple[str, str]]
    sections: list[_Section]
    defaults: _Section | None

    def effective_values(self, section: _Section) -> dict[str, str]:
        """Return what botocore reads for ``section``: [DEFAULT]'s keys, then its own."""
        values = self.defaults.values() if self.defaults else {}
        values.update(section.values())
        return values

    def newline(self) -> str:
        """Return the line ending most lines use (``\\n`` for a file without any)."""
        counts = {"\n": 0, "\r\n": 0, "\r": 0}
        for _, ending in self.lines:
            if ending:
                counts[ending] += 1
        # max keeps the first of equal counts, so "\n" wins ties.
        return max(counts, key=lambda ending: counts[ending])


def _split_lines(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into (content, ending) pairs that join back into ``text`` exactly."""
    lines = []
    position = 0
    while position < len(text):
        match = _LINE.match(text, position)
        assert match is not None  # the pattern matches any text; one character at least here
        lines.append((match.group(1), match.group(2) or ""))
        position = match.end()
    return lines


def _parse(text: str, path: Path | None) -> _ParsedFile:
    """Parse the config text the way botocore reads the file, keeping every line.

    Follows ``configparser.RawConfigParser._read`` with the defaults botocore uses: full-line
    comments start with ``#`` or ``;`` (no inline comments: ``region = x # note`` has the value
    ``x # note``), keys end at the first ``=`` or ``:`` and are case-insensitive, a line indented
    deeper than its key continues the value, duplicate sections and keys are errors. Then
    botocore's own rule: a value that starts on the next line is a block of ``key = value``
    lines. One rule is stricter than configparser: a line starting with ``[`` that is not a
    section header is refused, rather than read as a key named ``[...``.

    Raises:
        ConfigFileError: Where botocore would refuse the file, naming the line.
    """
    lines = _split_lines(text)
    if text.startswith("\ufeff"):
        raise ConfigFileError(
            path,
            1,
            "starts with a byte order mark (BOM), which botocore does not read",
            advice="Save the file as UTF-8 without BOM (most editors call it plain 'UTF-8').",
        )
    sections: list[_Section] = []
    by_header: dict[str, _Section] = {}
    defaults: _Section | None = None
    current: _Section | None = None
    key: str | None = None
    indent_level = 0
    for index, (content, _) in enumerate(lines):
        number = index + 1
        stripped = content.strip()
        if stripped.startswith(_COMMENT_PREFIXES):
            continue
        if not stripped:
            # configparser keeps blank lines inside a value (rstrip drops trailing ones).
            if current is not None and key:
                current.parts[key].append("")
            continue
        first = _NONSPACE.search(content)
        indent = first.start() if first else 0
        if current is not None and key and indent > indent_level:
            current.parts[key].append(stripped)
            current.continuation_indexes[key].append(index)
            current.last_body_index = index
            continue
        indent_level = indent
        header = _SECTION_HEADER.match(stripped)
        if header:
            name = header.group("header")
            key = None
            if name == _DEFAULT_SECTION:
                # configparser allows [DEFAULT] more than once; its keys go to one place.
                if defaults is None:
                    defaults = _Section(name, index, last_body_index=index)
                current = defaults
                continue
            if name in by_header:
                raise ConfigFileError(
                    path,
                    number,
                    f"section [{name}] appears a second time "
                    f"(first on line {by_header[name].header_index + 1})",
                    advice=(
                        "Merge the two sections into one (or remove one), then run this step "
                        "again."
                    ),
                )
            current = _Section(name, index, last_body_index=index)
            by_header[name] = current
            sections.append(current)
            continue
        if stripped.startswith("["):
            raise ConfigFileError(
                path, number, f"{stripped!r} is a section header without its closing ]"
            )
        if current is None:
            raise ConfigFileError(
                path,
                number,
                f"{stripped!r} is outside any section (the file must start with a [section] "
                "line; only blank lines and # or ; comments may come before it)",
            )
        option = _OPTION.match(stripped)
        if not option:
            raise ConfigFileError(
                path, number, f"{stripped!r} is neither a section header nor a 'key = value' line"
            )
        name = option.group("option").rstrip()
        if not name:
            raise ConfigFileError(
                path, number, f"{stripped!r} has no key before the {option.group('vi')}"
            )
        key = name.lower()
        if key in current.parts:
            raise ConfigFileError(
                path,
                number,
                f"key {key!r} appears a second time in [{current.header}] "
                f"(first on line {current.option_index[key] + 1}; keys ignore letter case)",
                advice="Keep one of the two lines, then run this step again.",
            )
        current.parts[key] = [option.group("value").strip()]
        current.option_index[key] = index
        current.continuation_indexes[key] = []
        current.last_body_index = index
        current.last_option_index = index
    parsed = _ParsedFile(lines, sections, defaults)
    _check_nested_values(parsed, path)
    return parsed


def _check_nested_values(parsed: _ParsedFile, path: Path | None) -> None:
    """Refuse what botocore's nested-value parser refuses.

    botocore reads a value that starts on the next line (``s3 =`` then indented lines) as a
    block of ``key = value`` lines, and refuses the file when one has no ``=``.
    """
    checked = list(parsed.sections)
    if parsed.defaults is not None and parsed.sections:
        checked.append(parsed.defaults)
    for section in checked:
        for key, parts in section.parts.items():
            if not "\n".join(parts).rstrip().startswith("\n"):
                continue
            for index in section.continuation_indexes[key]:
                if "=" not in parsed.lines[index][0]:
                    raise ConfigFileError(
                        path,
                        index + 1,
                        f"the indented line under {key!r} in [{section.header}] has no '=' "
                        "(botocore reads an indented block as 'key = value' lines)",
                    )


def _botocore_name(header: str) -> tuple[str, str] | None:
    """Return ("profile" | "sso-session", name) for a section botocore maps, else None.

    Mirrors ``botocore.configloader.build_profile_map``: ``[default]`` is the default profile;
    a header starting with ``profile`` or ``sso-session`` is split like a shell line and names
    something only when it has exactly two words (so ``[profile "a"]`` is profile ``a``, and
    ``[profile default]`` is the default profile too).
    """
    if header.startswith("profile"):
        kind = "profile"
    elif header.startswith("sso-session"):
        kind = "sso-session"
    elif header == "default":
        return ("profile", "default")
    else:
        return None
    try:
        words = shlex.split(header)
    except ValueError:
        return None
    return (kind, words[1]) if len(words) == 2 else None


def parse_config_text(text: str, *, path: Path | None = None) -> dict[str, dict[str, str]]:
    """Return what botocore reads from a config file with this text.

    Args:
        text: The file's text.
        path: The file, only to name it in errors.

    Returns:
        Section name (as between the brackets) to key to value, in file order, as
        ``botocore.configloader.raw_config_parse(..., parse_subsections=False)`` returns them:
        [DEFAULT]'s keys included in every section, multi-line values joined with ``\\n``.

    Raises:
        ConfigFileError: Where botocore would refuse the file, naming the line.
    """
    parsed = _parse(text, path)
    return {section.header: parsed.effective_values(section) for section in parsed.sections}


# --------------------------------------------------------------------------------------------
# Planning (pure)


class KeyDifference(NamedTuple):
    """One key of a section that would change.

    Attributes:
        key: The key, in lower case as botocore reads it.
        old: The value in the file now; None when the key is not set.
        new: The value to write; None when writing removes the key.
    """

    key: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class SectionChange:
    """What planning found for one section to write.

    Attributes:
        section: The section name between the brackets, e.g. ``profile admin``, ``default``,
            ``sso-session my-sso``.
        action: ``add`` (not in the file), ``unchanged`` (there with exactly our values) or
            ``conflict`` (there with other values for our keys).
        differences: For a conflict, each of our keys that differs (old and new values).
        kept_keys: Keys in the existing section that are not ours. They stay as they are and
            do not count as a difference.
        line_number: The section's header line in the file now (1-based), when it is there.
    """

    section: str
    action: str
    differences: tuple[KeyDifference, ...] = ()
    kept_keys: tuple[str, ...] = ()
    line_number: int | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"SectionChange.action must be one of {ACTIONS}, not {self.action!r}")

    @property
    def detail(self) -> str:
        """Say in one or two sentences what writing does to this section."""
        kept = ""
        if self.kept_keys:
            kept = (
                " Your own keys in it (" + ", ".join(self.kept_keys) + ") stay as they are and "
                "do not count as a difference."
            )
        if self.action == "add":
            return "New section, added at the end of the file."
        if self.action == "unchanged":
            return (
                f"Already there with these values (line {self.line_number}); left as it is."
                f"{kept}"
            )
        changes = "; ".join(
            f"{difference.key}: {_shown(difference.old, 'not set')} -> "
            f"{_shown(difference.new, 'removed')}"
            for difference in self.differences
        )
        legacy = ""
        if any(difference.new is None for difference in self.differences):
            legacy = (
                " The profile holds the sign-in settings itself (a legacy SSO profile); once "
                "replaced, the sso-session section holds them."
            )
        return (
            f"Already there (line {self.line_number}) with other values: {changes}.{legacy} "
            "Written only with replace_conflicts=True, which changes just these keys."
            f"{kept}"
        )


def _shown(value: str | None, missing: str) -> str:
    """Return a value quoted for a sentence, or ``(missing)`` when there is none."""
    return f"({missing})" if value is None else repr(value)


@dataclass(frozen=True)
class ConfigPlan:
    """What writing would do to the config file; the plan is the dry run.

    Attributes:
        existing_text: The file's text the plan was made from (``""`` for no file).
        new_text: The whole file after writing, conflicting sections replaced.
        changes: One entry per section to write, in the order given.
        added_text: Exactly the new sections appended at the end, as ``aws configure sso``
            formats them, in the file's line endings.
        diff: A unified diff of the whole file, now and after writing (``""`` when nothing
            changes), for display.
        path: The file the text came from, when known; :func:`write_config` writes there.
    """

    existing_text: str
    new_text: str
    changes: tuple[SectionChange, ...]
    added_text: str
    diff: str
    path: Path | None = None

    @property
    def nothing_to_write(self) -> bool:
        """Return True when the file already holds every section as planned."""
        return self.new_text == self.existing_text

    @property
    def conflicts(self) -> tuple[SectionChange, ...]:
        """The sections present with other values; replaced only when asked."""
        return tuple(change for change in self.changes if change.action == "conflict")

    @property
    def additions(self) -> tuple[SectionChange, ...]:
        """The sections to add."""
        return tuple(change for change in self.changes if change.action == "add")

    def describe(self) -> str:
        """Return the plan in one line per section, for logs and the run summary."""
        if not self.changes:
            return "No sections to write."
        return "\n".join(
            f"{change.action:9} [{change.section}]: {change.detail}" for change in self.changes
        )

    def to_frame(self) -> pandas.DataFrame:
        """Return the plan as a table: action, section, details."""
        import pandas

        rows = [
            {"action": change.action, "section": f"[{change.section}]", "details": change.detail}
            for change in self.changes
        ]
        return pandas.DataFrame(rows, columns=["action", "section", "details"])


@dataclass
class _Target:
    """One section to write: where it maps in botocore's view, and its values."""

    kind: str
    name: str
    section: str
    values: dict[str, str]
    removable: tuple[str, ...]


def plan_config_changes(
    existing_text: str,
    profiles: Sequence[SsoProfile],
    sessions: Sequence[SsoSession],
    *,
    path: Path | None = None,
) -> ConfigPlan:
    """Plan writing SSO profiles and sessions into a config file with ``existing_text``.

    A section counts as present when botocore would read it as that profile or session (so
    ``[profile default]`` is the default profile, and ``[profile "x"]`` is profile ``x``).
    Present with exactly our values for our keys: ``unchanged`` (other keys the person added do
    not count). Present with other values, a key of ours missing, or sign-in keys of a legacy
    SSO profile (``sso_start_url``/``sso_region`` in the profile itself): ``conflict``.
    Absent: ``add``, appended at the end of the file. Other sections, legacy profiles of other
    names included, are never touched.

    Args:
        existing_text: The file's text now (:func:`read_config_text`); ``""`` for no file.
        profiles: The profiles to write (from :func:`build_sso_profile`).
        sessions: The sso-sessions to write (from :func:`build_sso_session`).
        path: The file the text came from, to name it in messages and the diff and to write
            it later; planning never reads it.

    Returns:
        The plan, with the whole new text, the text added and a diff.

    Raises:
        InputError: If a profile or session breaks a field rule (every field is checked again,
            so nothing unchecked reaches the file), a name is given twice, or a profile names
            an sso-session that is neither given nor in the file.
        ConfigFileError: If botocore could not read the text, or one of our profiles or
            sessions is defined in two sections of the file.
    """
    profiles = [_checked_profile(profile) for profile in profiles]
    sessions = [_checked_session(session) for session in sessions]
    _require_unique([profile.profile_name for profile in profiles], "profile_name")
    _require_unique([session.name for session in sessions], "sso_session")
    parsed = _parse(existing_text, path)
    mapped = [(_botocore_name(section.header), section) for section in parsed.sections]

    known_sessions = {session.name for session in sessions} | {
        name[1] for name, _ in mapped if name is not None and name[0] == "sso-session"
    }
    for profile in profiles:
        if profile.sso_session not in known_sessions:
            raise InputError(
                "sso_session",
                profile.sso_session,
                f"profile {profile.profile_name!r} refers to an sso-session that is neither "
                "given nor in the config file; pass that session too",
            )

    targets = [
        _Target("profile", p.profile_name, p.section, p.config_values(), SESSION_KEYS_IN_PROFILE)
        for p in profiles
    ] + [_Target("sso-session", s.name, s.section, s.config_values(), ()) for s in sessions]

    changes: list[SectionChange] = []
    edits: list[tuple[_Section, list[KeyDifference]]] = []
    added: list[_Target] = []
    for target in targets:
        found = [section for name, section in mapped if name == (target.kind, target.name)]
        if len(found) > 1:
            lines = ", ".join(str(section.header_index + 1) for section in found)
            raise ConfigFileError(
                path,
                found[-1].header_index + 1,
                f"{target.kind} {target.name!r} is defined by more than one section (lines "
                f"{lines}); botocore uses only the last one",
                advice="Remove or rename all but one of those sections, then run this step again.",
            )
        if not found:
            added.append(target)
            changes.append(SectionChange(target.section, "add"))
            continue
        section = found[0]
        effective = parsed.effective_values(section)
        own = section.values()
        differences = [
            KeyDifference(key, effective.get(key), value)
            for key, value in target.values.items()
            if effective.get(key) != value
        ]
        differences += [
            KeyDifference(key, own[key], None) for key in target.removable if key in own
        ]
        kept = tuple(key for key in own if key not in target.values and key not in target.removable)
        action = "conflict" if differences else "unchanged"
        changes.append(
            SectionChange(
                target.section, action, tuple(differences), kept, section.header_index + 1
            )
        )
        if differences:
            edits.append((section, differences))

    newline = parsed.newline()
    added_lines = _format_sections(added)
    new_lines = _apply_edits(parsed.lines, edits, added_lines, newline)
    new_text = "".join(content + ending for content, ending in new_lines)
    _check_result(parsed, new_text, edits, added, path)
    return ConfigPlan(
        existing_text=existing_text,
        new_text=new_text,
        changes=tuple(changes),
        added_text="".join(line + newline for line in added_lines),
        diff=_unified_diff(parsed.lines, new_lines, path),
        path=path,
    )


def _checked_profile(profile: object) -> SsoProfile:
    """Return ``profile`` validated again, field by field."""
    if not isinstance(profile, SsoProfile):
        raise InputError(
            "profiles", profile, "each must be an SsoProfile made by build_sso_profile"
        )
    return build_sso_profile(**dataclasses.asdict(profile))


def _checked_session(session: object) -> SsoSession:
    """Return ``session`` validated again, field by field."""
    if not isinstance(session, SsoSession):
        raise InputError(
            "sessions", session, "each must be an SsoSession made by build_sso_session"
        )
    return build_sso_session(**dataclasses.asdict(session))


def _require_unique(names: list[str], field_name: str) -> None:
    """Raise InputError when a name appears twice."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(field_name, name, "is given twice; each section is written once")
        seen.add(name)


def _format_sections(targets: list[_Target]) -> list[str]:
    """Return the lines of new sections as ``aws configure sso`` writes them, a blank between."""
    lines: list[str] = []
    for target in targets:
        if lines:
            lines.append("")
        lines.append(f"[{target.section}]")
        lines += [f"{key} = {value}" for key, value in target.values.items()]
    return lines


def _leading_space(content: str) -> str:
    """Return the whitespace a line starts with."""
    return content[: len(content) - len(content.lstrip())]


def _apply_edits(
    lines: list[tuple[str, str]],
    edits: list[tuple[_Section, list[KeyDifference]]],
    added_lines: list[str],
    newline: str,
) -> list[tuple[str, str]]:
    """Return the file's lines with conflicting keys replaced and new sections appended.

    Only the lines of the keys that differ change: a key's line is rewritten in place (same
    indentation and line ending) and its continuation lines dropped; a key to remove loses its
    lines; a missing key is inserted after the section's last key, as indented as that key.
    Comments and blank lines stay, even inside a key's continuation block.
    """
    replaced: dict[int, str] = {}
    dropped: set[int] = set()
    inserted: dict[int, list[str]] = {}
    for section, differences in edits:
        if section.last_option_index is not None:
            indent = _leading_space(lines[section.last_option_index][0])
        else:
            indent = _leading_space(lines[section.header_index][0])
        for difference in differences:
            if difference.key in section.option_index:
                index = section.option_index[difference.key]
                dropped.update(section.continuation_indexes[difference.key])
                if difference.new is None:
                    dropped.add(index)
                else:
                    own_indent = _leading_space(lines[index][0])
                    replaced[index] = f"{own_indent}{difference.key} = {difference.new}"
            elif difference.new is not None:
                inserted.setdefault(section.last_body_index, []).append(
                    f"{indent}{difference.key} = {difference.new}"
                )
    result: list[tuple[str, str]] = []
    for index, (content, ending) in enumerate(lines):
        if index not in dropped:
            result.append((replaced.get(index, content), ending))
        result += [(line, newline) for line in inserted.get(index, [])]
    if added_lines:
        if result and result[-1][0].strip():
            result.append(("", newline))
        result += [(line, newline) for line in added_lines]
    # Only the file's last line may lack an ending: a line inserted after the old last line
    # (or a section appended) gives that one the file's newline.
    return [
        (content, ending or (newline if position < len(result) - 1 else ""))
        for position, (content, ending) in enumerate(result)
    ]


def _check_result(
    before: _ParsedFile,
    new_text: str,
    edits: list[tuple[_Section, list[KeyDifference]]],
    added: list[_Target],
    path: Path | None,
) -> None:
    """Parse the new text and make sure botocore would read exactly what was meant.

    A safety net for unusual files (e.g. section headers indented deeper than a key, which
    configparser reads as part of a value): every other section must read as before, ours as
    planned. Otherwise the file is refused rather than changed.
    """
    expected: dict[str, dict[str, str]] = {s.header: s.values() for s in before.sections}
    for section, differences in edits:
        values = expected[section.header]
        for difference in differences:
            if difference.new is None:
                values.pop(difference.key, None)
            else:
                values[difference.key] = difference.new
    for target in added:
        expected[target.section] = dict(target.values)
    problem_line = edits[0][0].header_index + 1 if edits else None
    try:
        after = _parse(new_text, path)
    except ConfigFileError as error:
        problem_line = error.line_number
        after = None
    actual = {s.header: s.values() for s in after.sections} if after else None
    same_defaults = after is not None and (
        (before.defaults.values() if before.defaults else {})
        == (after.defaults.values() if after.defaults else {})
    )
    if actual != expected or not same_defaults:
        raise ConfigFileError(
            path,
            problem_line,
            "cannot be changed safely: its indentation would make the AWS CLI read other lines "
            "differently after the change",
            advice=(
                "Edit the file by hand (remove the indentation before section headers and keys), "
                "or move the file aside and run this step again."
            ),
        )


def _unified_diff(
    before: list[tuple[str, str]], after: list[tuple[str, str]], path: Path | None
) -> str:
    """Return a unified diff of the whole file, line endings left out, for display."""
    name = str(path) if path is not None else "config"
    return "\n".join(
        difflib.unified_diff(
            [content for content, _ in before],
            [content for content, _ in after],
            fromfile=f"{name} (now)",
            tofile=f"{name} (after writing)",
            lineterm="",
        )
    )


def plan_config_file(
    profiles: Sequence[SsoProfile],
    sessions: Sequence[SsoSession],
    *,
    path: Path | str | None = None,
) -> ConfigPlan:
    """Read the config file and plan writing ``profiles`` and ``sessions`` into it.

    Args:
        profiles: The profiles to write.
        sessions: The sso-sessions to write.
        path: The file; :func:`config_path` when None.

    Returns:
        The plan (see :func:`plan_config_changes`), remembering the file.

    Raises:
        ConfigFileError: If the file cannot be read or botocore could not parse it.
        InputError: As :func:`plan_config_changes`.
    """
    target = Path(path) if path is not None else config_path()
    return plan_config_changes(read_config_text(target), profiles, sessions, path=target)


# --------------------------------------------------------------------------------------------
# Writing (the one side effect)


@dataclass(frozen=True)
class WriteResult:
    """What :func:`write_config` did.

    Attributes:
        path: The file written (or found already as planned).
        written: False when nothing needed writing: no file was touched, no backup made.
        created: True when the file did not exist before.
        backup_path: The copy of the file as it was before writing, if there was a file.
        sections_added: The sections added, as between the brackets.
        sections_replaced: The conflicting sections whose keys were replaced.
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
            parts.append(
                "replaced our keys in " + ", ".join(f"[{name}]" for name in self.sections_replaced)
            )
        done = "; ".join(parts) or "updated"
        verb = "Created" if self.created else "Wrote"
        backup = f" The previous version is kept in {self.backup_path}." if self.backup_path else ""
        return f"{verb} {self.path}: {done}.{backup}"


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
            path,
            None,
            "is a folder, not a file",
            advice="Point AWS_CONFIG_FILE at a file (or unset it to use ~/.aws/config).",
        )
    if not stat.S_ISREG(status.st_mode):
        raise ConfigFileError(
            path,
            None,
            "is not a regular file",
            advice="Point AWS_CONFIG_FILE at a regular file (or unset it to use ~/.aws/config).",
        )
    try:
        data = path.read_bytes()
    except PermissionError as error:
        raise ConfigFileError(
            path,
            None,
            "cannot be read: permission denied",
            advice=(
                "Make the file yours and readable (e.g. `chmod 600` on it), then run this step "
                "again."
            ),
        ) from error
    except OSError as error:
        raise ConfigFileError(
            path,
            None,
            f"cannot be read ({error.strerror})",
            advice="Check the file, then run this step again.",
        ) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            path,
            data.count(b"\n", 0, error.start) + 1,
            f"is not UTF-8 text (byte 0x{data[error.start]:02x})",
            advice=(
                "Save the file as UTF-8 (or remove the odd character), then run this step again."
            ),
        ) from error
    return _FoundFile(data, text, stat.S_IMODE(status.st_mode))


def _first_difference(first: str, second: str) -> int:
    """Return the 1-based number of the first line where two texts differ."""
    for number, (one, two) in enumerate(
        zip(first.splitlines(keepends=True), second.splitlines(keepends=True)), start=1
    ):
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


def write_config(
    plan: ConfigPlan,
    *,
    path: Path | str | None = None,
    replace_conflicts: bool = False,
    now: datetime | None = None,
) -> WriteResult:
    """Write the plan into the config file, only when something changes.

    The file must still hold the text the plan was made from (or already the planned text, in
    which case nothing is written); anything else means it changed since the plan was shown,
    and it is refused. Before changing an existing file, a copy is kept next to it as
    ``<name>.<YYYYmmddTHHMMSS>.bak`` (mode 0600). The new text goes to a temporary file in the
    same folder that is renamed over the file, with the file's permission bits; a new file is
    created 0600, in a new folder 0700 if needed. A symbolic link is followed, so the link
    stays and its target is written.

    Args:
        plan: From :func:`plan_config_changes` or :func:`plan_config_file`.
        path: The file; when None, the file the plan was made from, else :func:`config_path`.
        replace_conflicts: Replace our keys in sections that hold other values (the person's
            other keys and comments in them stay). When False, such a plan is refused.
        now: The time for the backup's name; the current local time when None.

    Returns:
        What was done; ``written`` is False when the file already held the plan.

    Raises:
        ConfigConflictError: If the plan has conflicts and ``replace_conflicts`` is False.
        ConfigFileError: If the file cannot be read, changed since the plan was made, or
            cannot be written; the file is left as it was.
    """
    if path is not None:
        target = Path(path)
    else:
        target = plan.path if plan.path is not None else config_path()
    real = Path(os.path.realpath(target))
    found = _read_file(real)
    current_text = found.text if found is not None else ""
    already_written = current_text == plan.new_text if found is not None else not plan.new_text
    if already_written:
        return WriteResult(path=target, written=False)
    if current_text != plan.existing_text:
        raise ConfigFileError(
            target,
            _first_difference(current_text, plan.existing_text),
            "changed since the plan was made (or the plan was made from another file)",
            advice="Make the plan again, look at its diff, then write.",
        )
    conflicts = plan.conflicts
    if conflicts and not replace_conflicts:
        raise ConfigConflictError(
            conflicts[0].section,
            conflicts[0].differences,
            other_sections=[change.section for change in conflicts[1:]],
        )

    stamp = (now or datetime.now()).strftime(BACKUP_TIME_FORMAT)
    backup: Path | None = None
    try:
        make_private_folders(real.parent)
        if found is not None:
            backup = _write_backup(real, found.data, stamp)
        replace_atomically(real, plan.new_text.encode("utf-8"), found.mode if found else FILE_MODE)
    except OSError as error:
        if backup is not None:
            backup.unlink(missing_ok=True)
        raise ConfigFileError(
            target,
            None,
            f"could not be written ({error})",
            advice=(
                "Check the folder's permissions and the free disk space, then run this step "
                "again."
            ),
        ) from error
    return WriteResult(
        path=target,
        written=True,
        created=found is None,
        backup_path=backup,
        sections_added=tuple(change.section for change in plan.additions),
        sections_replaced=tuple(change.section for change in conflicts),
    )
