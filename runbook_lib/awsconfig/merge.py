"""Merge one section into a config file's text, keeping every other byte: pure, no file touched.

The planner uses it to compute the dry run (the whole new text and its diff); each applier uses it
to write its one section. Both run the same code on the same text, so what is written is what was
shown.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

from runbook_lib.awsconfig.parse import ConfigSection, ParsedConfig, parse_config
from runbook_lib.awsconfig.sections import read_section_address, section_header
from runbook_lib.errors import ConfigFileError


def find_single_section(parsed: ParsedConfig, kind: str, name: str, path: Path | None) -> ConfigSection | None:
    """Return the section botocore reads as profile or sso-session ``name``, None when absent.

    Raises:
        ConfigFileError: When two sections define it: botocore uses only the last one.
    """
    found = parsed.find(kind, name)
    if len(found) > 1:
        lines = ", ".join(str(section.line_number) for section in found)
        raise ConfigFileError(
            path,
            found[-1].line_number,
            f"{kind} {name!r} is defined by more than one section (lines "
            f"{lines}); botocore uses only the last one",
            advice="Remove or rename all but one of those sections, then run this step again.",
        )
    return found[0] if found else None


def merge_section(text: str, address: str, values: Mapping[str, str], *, path: Path | None = None) -> str:
    """Return ``text`` with the section at ``address`` holding exactly ``values`` as its own keys.

    Only the lines of the keys that differ change: a key's line is rewritten in place (same
    indentation and line ending) and its continuation lines dropped; a key not in ``values``
    loses its lines; a missing key is inserted after the section's last key, as indented as
    that key. Comments and blank lines stay, even inside a key's continuation block. A section
    not in the file is appended at the end, after a blank line. Every other byte is kept.

    Args:
        text: The file's text now.
        address: The section, as :func:`runbook_lib.awsconfig.sections.section_address` makes it.
        values: The section's keys and values once merged (a change's ``after``).
        path: The file, only to name it in errors.

    Returns:
        The whole new text.

    Raises:
        ConfigFileError: If botocore could not read the text, the section is defined twice,
            or the file's indentation would make botocore read other lines differently.
    """
    parsed = parse_config(text, path)
    kind, name = read_section_address(address)
    section = find_single_section(parsed, kind, name, path)
    newline = parsed.newline()
    if section is None:
        header = section_header(kind, name)
        added = [f"[{header}]"] + [f"{key} = {value}" for key, value in values.items()]
        new_lines = _edit_lines(parsed.lines, None, values, added, newline)
    else:
        header = section.header
        new_lines = _edit_lines(parsed.lines, section, values, [], newline)
    new_text = "".join(content + ending for content, ending in new_lines)
    _check_result(parsed, new_text, header, values, section, path)
    return new_text


def _leading_space(content: str) -> str:
    """Return the whitespace a line starts with."""
    return content[: len(content) - len(content.lstrip())]


def _edit_lines(
    lines: list[tuple[str, str]],
    section: ConfigSection | None,
    values: Mapping[str, str],
    added_lines: list[str],
    newline: str,
) -> list[tuple[str, str]]:
    """Return the file's lines with one section's keys made ``values``, or a section appended."""
    replaced: dict[int, str] = {}
    dropped: set[int] = set()
    inserted: dict[int, list[str]] = {}
    if section is not None:
        own = section.values()
        anchor = section.last_option_index if section.last_option_index is not None else section.header_index
        indent = _leading_space(lines[anchor][0])
        for key, value in values.items():
            if own.get(key) == value:
                continue
            if key in section.option_index:
                index = section.option_index[key]
                dropped.update(section.continuation_indexes[key])
                replaced[index] = f"{_leading_space(lines[index][0])}{key} = {value}"
            else:
                inserted.setdefault(section.last_body_index, []).append(f"{indent}{key} = {value}")
        for key in own:
            if key not in values:
                dropped.add(section.option_index[key])
                dropped.update(section.continuation_indexes[key])
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
    before: ParsedConfig,
    new_text: str,
    header: str,
    values: Mapping[str, str],
    section: ConfigSection | None,
    path: Path | None,
) -> None:
    """Parse the new text and make sure botocore would read exactly what was meant.

    A safety net for unusual files (e.g. section headers indented deeper than a key, which
    configparser reads as part of a value): every other section must read as before, ours as
    planned. Otherwise the file is refused rather than changed.
    """
    expected: dict[str, dict[str, str]] = {s.header: s.values() for s in before.sections}
    expected[header] = dict(values)
    problem_line = section.line_number if section is not None else None
    try:
        after: ParsedConfig | None = parse_config(new_text, path)
    except ConfigFileError as error:
        problem_line = error.line_number
        after = None
    actual = {s.header: s.values() for s in after.sections} if after else None
    same_defaults = after is not None and (
        (before.defaults.values() if before.defaults else {}) == (after.defaults.values() if after.defaults else {})
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


def unified_diff(before: list[tuple[str, str]], after: list[tuple[str, str]], path: Path | None) -> str:
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
