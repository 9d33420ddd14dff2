"""Tests for runbook_lib.awsconfig.parse: the parser reads what botocore reads, and refuses what
botocore refuses, naming the line, leaving the file untouched."""

from __future__ import annotations

from pathlib import Path

import botocore.configloader
import botocore.exceptions
import pytest
from awsconfig_examples import (
    ADMIN_SECTIONS,
    REAL_WORLD,
    plan_admin,
    point_aws_config_file,
)

from runbook_lib.awsconfig import parse_config_text
from runbook_lib.errors import ConfigFileError


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point AWS_CONFIG_FILE at a file (not created) in a folder of its own."""
    return point_aws_config_file(tmp_path, monkeypatch)


MALFORMED = {
    "key before any section": ("region = us-east-1\n[default]\n", 1),
    "text before any section": ("hello\n[default]\n", 1),
    "unterminated section": ("[default]\nregion = us-east-1\n[profile admin\nregion = x\n", 3),
    "key without =": ("[default]\nregion = us-east-1\noutput json\n", 3),
    "key without name": ("[default]\n= us-east-1\n", 2),
    "section twice": ("[default]\nregion = a\n[profile x]\n[default]\n", 4),
    "key twice, letter case ignored": ("[default]\nregion = a\nRegion = b\n", 3),
    "nested block line without =": ("[profile x]\ns3 =\n  addressing_style path\n", 3),
    "byte order mark": ("\ufeff[default]\nregion = us-east-1\n", 1),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_are_refused_untouched(case: str, config_file: Path) -> None:
    text, line_number = MALFORMED[case]
    config_file.write_bytes(text.encode())
    with pytest.raises(botocore.exceptions.ConfigParseError):
        botocore.configloader.load_config(str(config_file))

    with pytest.raises(ConfigFileError) as caught:
        plan_admin(config_file)

    error = caught.value
    assert error.path == config_file and error.line_number == line_number
    assert f"{config_file}, line {line_number}" in str(error)
    assert "not changed" in str(error)
    assert config_file.read_bytes() == text.encode()
    assert sorted(path.name for path in config_file.parent.iterdir()) == ["config"]
    with pytest.raises(ConfigFileError) as parsed:
        parse_config_text(text)
    assert parsed.value.line_number == line_number and parsed.value.path is None


VALID_FILES = {
    "real world": REAL_WORLD,
    "real world, CRLF": REAL_WORLD.replace("\n", "\r\n"),
    "real world, old Mac CR": REAL_WORLD.replace("\n", "\r"),
    "after writing": REAL_WORLD + "\n" + ADMIN_SECTIONS,
    "delimiters and case": "[profile a]\nKey: value = 1\nOther=x:y\n  indented = kept\n",
    "inline comments stay in values": "[default]\nregion = us-east-1 # not a comment\n",
    "continuation with blank lines": "[default]\nkey = one\n\n   two\n\n# c\n   three\n\nnext = 1\n",
    "DEFAULT section": "[DEFAULT]\nregion = eu-west-1\n[profile a]\noutput = json\n[DEFAULT]\nfoo = 1\n",
    "quoted profile name": '[profile "a"]\nregion = us-east-1\n',
    "header with trailing text": "[default] # note\nregion = us-east-1\n",
    "empty": "",
    "only comments": "# one\n\n; two\n",
}


@pytest.mark.parametrize("case", sorted(VALID_FILES))
def test_parser_reads_what_botocore_reads(case: str, tmp_path: Path) -> None:
    text = VALID_FILES[case]
    path = tmp_path / "config"
    path.write_bytes(text.encode())
    assert parse_config_text(text) == botocore.configloader.raw_config_parse(str(path), parse_subsections=False)
