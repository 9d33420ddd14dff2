"""Read an AWS CLI config file by botocore's rules, keeping every byte for writing it back.

The file is read by a small line-based parser of our own, not ``configparser``, which would drop
comments and normalise the file when writing it back. The parser follows the rules botocore reads
the file by (``configparser.RawConfigParser`` with its defaults, plus botocore's indented
"nested" values), so a section, a key and a value here are what botocore sees, and a file
botocore would refuse is refused here too, naming the line.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from runbook_lib.errors import ConfigFileError

PROFILE, SSO_SESSION = "profile", "sso-session"
"""The two kinds of section botocore maps by name (``[profile NAME]``, ``[sso-session NAME]``)."""

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


@dataclass
class ConfigSection:
    """One section of the file as the parser found it (line indexes are 0-based).

    Attributes:
        header: The text between the brackets, e.g. ``profile admin``.
        header_index: The header's line.
        parts: Each key (lower case) to its value's lines, continuation lines included.
        option_index: Each key's own line.
        continuation_indexes: Each key's continuation lines (indented deeper than the key).
        last_body_index: The section's last key or continuation line (the header's line when
            it has none); trailing comments and blank lines do not count.
        last_option_index: The section's last key line, if any.
    """

    header: str
    header_index: int
    parts: dict[str, list[str]] = field(default_factory=dict)
    option_index: dict[str, int] = field(default_factory=dict)
    continuation_indexes: dict[str, list[int]] = field(default_factory=dict)
    last_body_index: int = -1
    last_option_index: int | None = None

    @property
    def line_number(self) -> int:
        """The header's line, 1-based as an editor shows it."""
        return self.header_index + 1

    def values(self) -> dict[str, str]:
        """Return each key's value as configparser joins it (continuation lines included)."""
        return {key: "\n".join(parts).rstrip() for key, parts in self.parts.items()}


@dataclass
class ParsedConfig:
    """The file's lines and sections; ``lines`` reassembled give back the text exactly.

    Attributes:
        lines: Every line as ``(content, ending)``; the ending is ``""`` only on a last line
            without one.
        sections: The sections in file order, ``[DEFAULT]`` left out.
        defaults: The ``[DEFAULT]`` section (all of them merged), if any.
    """

    lines: list[tuple[str, str]]
    sections: list[ConfigSection]
    defaults: ConfigSection | None

    def effective_values(self, section: ConfigSection) -> dict[str, str]:
        """Return what botocore reads for ``section``: [DEFAULT]'s keys, then its own."""
        values = self.defaults.values() if self.defaults else {}
        values.update(section.values())
        return values

    def find(self, kind: str, name: str) -> list[ConfigSection]:
        """Return the sections botocore reads as the profile or sso-session ``name``."""
        return [section for section in self.sections if section_identity(section.header) == (kind, name)]

    def newline(self) -> str:
        """Return the line ending most lines use (``\\n`` for a file without any)."""
        counts = {"\n": 0, "\r\n": 0, "\r": 0}
        for _, ending in self.lines:
            if ending:
                counts[ending] += 1
        # max keeps the first of equal counts, so "\n" wins ties.
        return max(counts, key=lambda ending: counts[ending])

    def text(self) -> str:
        """Return the file's text, exactly as parsed."""
        return "".join(content + ending for content, ending in self.lines)


def split_lines(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into (content, ending) pairs that join back into ``text`` exactly."""
    lines = []
    position = 0
    while position < len(text):
        match = _LINE.match(text, position)
        assert match is not None  # the pattern matches any text; one character at least here
        lines.append((match.group(1), match.group(2) or ""))
        position = match.end()
    return lines


def parse_config(text: str, path: Path | None = None) -> ParsedConfig:
    """Parse the config text the way botocore reads the file, keeping every line.

    Follows ``configparser.RawConfigParser._read`` with the defaults botocore uses: full-line
    comments start with ``#`` or ``;`` (no inline comments: ``region = x # note`` has the value
    ``x # note``), keys end at the first ``=`` or ``:`` and are case-insensitive, a line indented
    deeper than its key continues the value, duplicate sections and keys are errors. Then
    botocore's own rule: a value that starts on the next line is a block of ``key = value``
    lines. One rule is stricter than configparser: a line starting with ``[`` that is not a
    section header is refused, rather than read as a key named ``[...``.

    Args:
        text: The file's text.
        path: The file, only to name it in errors.

    Returns:
        The lines and sections.

    Raises:
        ConfigFileError: Where botocore would refuse the file, naming the line.
    """
    lines = split_lines(text)
    if text.startswith("\ufeff"):
        raise ConfigFileError(
            path,
            1,
            "starts with a byte order mark (BOM), which botocore does not read",
            advice="Save the file as UTF-8 without BOM (most editors call it plain 'UTF-8').",
        )
    sections: list[ConfigSection] = []
    by_header: dict[str, ConfigSection] = {}
    defaults: ConfigSection | None = None
    current: ConfigSection | None = None
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
                    defaults = ConfigSection(name, index, last_body_index=index)
                current = defaults
                continue
            if name in by_header:
                raise ConfigFileError(
                    path,
                    number,
                    f"section [{name}] appears a second time "
                    f"(first on line {by_header[name].line_number})",
                    advice="Merge the two sections into one (or remove one), then run this step again.",
                )
            current = ConfigSection(name, index, last_body_index=index)
            by_header[name] = current
            sections.append(current)
            continue
        if stripped.startswith("["):
            raise ConfigFileError(path, number, f"{stripped!r} is a section header without its closing ]")
        if current is None:
            raise ConfigFileError(
                path,
                number,
                f"{stripped!r} is outside any section (the file must start with a [section] "
                "line; only blank lines and # or ; comments may come before it)",
            )
        option = _OPTION.match(stripped)
        if not option:
            raise ConfigFileError(path, number, f"{stripped!r} is neither a section header nor a 'key = value' line")
        name = option.group("option").rstrip()
        if not name:
            raise ConfigFileError(path, number, f"{stripped!r} has no key before the {option.group('vi')}")
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
    parsed = ParsedConfig(lines, sections, defaults)
    _check_nested_values(parsed, path)
    return parsed


def _check_nested_values(parsed: ParsedConfig, path: Path | None) -> None:
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


def section_identity(header: str) -> tuple[str, str] | None:
    """Return (``PROFILE`` | ``SSO_SESSION``, name) for a section botocore maps, else None.

    Mirrors ``botocore.configloader.build_profile_map``: ``[default]`` is the default profile;
    a header starting with ``profile`` or ``sso-session`` is split like a shell line and names
    something only when it has exactly two words (so ``[profile "a"]`` is profile ``a``, and
    ``[profile default]`` is the default profile too).
    """
    if header.startswith(PROFILE):
        kind = PROFILE
    elif header.startswith(SSO_SESSION):
        kind = SSO_SESSION
    elif header == "default":
        return (PROFILE, "default")
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
    parsed = parse_config(text, path)
    return {section.header: parsed.effective_values(section) for section in parsed.sections}
