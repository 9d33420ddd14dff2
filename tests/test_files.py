"""Private, atomic writes of the person's files."""

from __future__ import annotations

import os

import pytest

from runbook_lib.files import make_private_folders, replace_atomically, write_new_file


def test_private_folders_are_the_owners_only(tmp_path):
    folder = tmp_path / "a" / "b"
    make_private_folders(folder)
    assert (folder.stat().st_mode & 0o777, (tmp_path / "a").stat().st_mode & 0o777) == (0o700, 0o700)


def test_a_new_file_never_replaces_one(tmp_path):
    path = tmp_path / "backup"
    write_new_file(path, b"first\r\n")
    assert path.read_bytes() == b"first\r\n" and path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        write_new_file(path, b"second")
    assert path.read_bytes() == b"first\r\n"


def test_a_failed_replacement_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_bytes(b"old")

    def broken_rename(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_rename)
    with pytest.raises(OSError, match="disk full"):
        replace_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert [entry.name for entry in tmp_path.iterdir()] == ["config"]


def test_replacement_keeps_the_mode_asked(tmp_path):
    path = tmp_path / "config"
    replace_atomically(path, b"text", 0o640)
    assert path.read_bytes() == b"text" and path.stat().st_mode & 0o777 == 0o640
