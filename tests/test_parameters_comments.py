"""Every line of every notebook's parameters cell says, in a comment, what it is.

``test_notebooks`` checks each parameter's first line; a parameter spread over lines (a list, one
item a line) or a stray line between them would slip past it, and a comment of a word or two
("the folder") explains nothing. The parameters cell is what a person edits and what the runner's
schema shows, so each line must be read alone.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
MIN_COMMENT_WORDS = 3
"""Fewer words than this say what a parameter is called, not what it does."""


def parameters_source(path: Path) -> str:
    """Return the source of the notebook's parameters cell."""
    (cell,) = [cell for cell in nbformat.read(path, as_version=4).cells if "parameters" in cell.metadata.get("tags", [])]
    return cell.source


def comments_by_line(source: str) -> dict[int, str]:
    """Return each line's comment (without the ``#``), by line number."""
    return {token.start[0]: token.string.lstrip("#").strip()
            for token in tokenize.generate_tokens(io.StringIO(source).readline) if token.type == tokenize.COMMENT}


def uncommented_lines(source: str) -> list[str]:
    """Return the lines with no comment, or a comment too short to explain anything."""
    comments = comments_by_line(source)
    return [line for number, line in enumerate(source.splitlines(), start=1)
            if line.strip() and len(comments.get(number, "").split()) < MIN_COMMENT_WORDS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_line_of_the_parameters_cell_has_an_explaining_comment(path: Path) -> None:
    missing = uncommented_lines(parameters_source(path))
    assert not missing, f"{path.name}: these parameters cell lines say nothing of what they are: {missing}"


def test_the_rule_catches_a_bare_line_a_short_comment_and_a_list_spread_over_lines() -> None:
    source = (
        'target: str = ""  # sandbox, profile, environment or none\n'
        'folder: str = ""  # the folder\n'
        'services: list = [\n'
        '    "s3",  # a service the developer may use\n'
        ']\n'
        'bare: int = 1\n'
    )
    assert uncommented_lines(source) == ['folder: str = ""  # the folder', "services: list = [", "]", "bare: int = 1"]
