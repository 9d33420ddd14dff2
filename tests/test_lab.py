"""`make lab` serves a working copy, so autosave never writes outputs into notebooks/."""

from __future__ import annotations

from runbook_lib.lab import refresh_working_copy


def test_working_copy_gets_new_notebooks_and_keeps_the_persons_edits(tmp_path):
    source, copy = tmp_path / "notebooks", tmp_path / "work"
    source.mkdir()
    (source / "00_start_here.ipynb").write_text("original 00")
    (source / "README.md").write_text("not a step")
    assert [path.name for path in refresh_working_copy(source, copy)] == ["00_start_here.ipynb"]
    (copy / "00_start_here.ipynb").write_text("the person's run, with outputs")
    (source / "01_secure_root_user.ipynb").write_text("original 01")
    assert [path.name for path in refresh_working_copy(source, copy)] == ["01_secure_root_user.ipynb"]
    assert (copy / "00_start_here.ipynb").read_text() == "the person's run, with outputs"
    assert (source / "00_start_here.ipynb").read_text() == "original 00"
    assert not (copy / "README.md").exists()
