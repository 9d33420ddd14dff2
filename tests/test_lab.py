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


def test_the_labs_kernels_load_the_plain_error_display_from_their_first_cell(tmp_path, capsys):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config.loader import PyFileConfigLoader

    from runbook_lib.lab import write_kernel_profile

    config_file = write_kernel_profile(tmp_path / "ipython")
    config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
    extensions = list(config.InteractiveShellApp.extensions)
    assert extensions == ["runbook_lib.cells"]

    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    try:
        for extension in extensions:  # what the kernel does with that configuration at its start
            shell.extension_manager.load_extension(extension)
        capsys.readouterr()
        result = shell.run_cell("values = form.values()")  # 04's Validate, run first
        shown = capsys.readouterr().out
    finally:
        InteractiveShell.clear_instance()
    assert not result.success
    assert "Run the cells above first" in shown and "Traceback" not in shown


def test_jupyterlab_starts_without_building_the_iri_grammars():
    """The command `make lab`, the rehearsal and the browser tests run JupyterLab with answers as
    ``jupyter lab`` does; in it, the server's modules load (jupyter-events, jsonschema) but not
    ``rfc3987_syntax``'s grammars."""
    import subprocess
    import sys

    import jupyterlab

    from runbook_lib.lab import jupyterlab_command

    answered = subprocess.run(jupyterlab_command(["--version"]), capture_output=True, text=True, timeout=120, check=False)
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.strip().splitlines()[-1] == jupyterlab.__version__

    probe = (
        "import sys\nfrom runbook_lib.lab import launch_jupyterlab\n"
        "try:\n    launch_jupyterlab(['--version'])\nexcept SystemExit:\n    pass\n"
        "print('jupyter_events' in sys.modules, 'lark' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip().splitlines()[-1] == "True False", "the server's modules, not the IRI grammars"
