"""`make lab` serves a working copy, so autosave never writes outputs into notebooks/."""

from __future__ import annotations

import os

import pytest

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


LEAVE_CYCLIC_GARBAGE = """
import gc, pathlib, sys
gc.disable()  # nothing collected before the kernel exits, whatever its threshold


class Finalized:
    def __del__(self):
        pathlib.Path({marker!r}).write_text("collected at exit")


cycle = Finalized()
cycle.itself = cycle
del cycle
print(gc.get_threshold()[0])
"""


@pytest.mark.parametrize("with_profile", [True, False], ids=["lab-profile", "plain-kernel"])
def test_a_lab_kernel_exits_without_scanning_what_it_holds(tmp_path, with_profile):
    """A kernel with the lab's profile exits without IPython's last full collection (0.29 s of
    cpu after a step; JupyterLab waits for it whenever a notebook is shut down): the cyclic
    garbage a cell left is not collected at exit. A kernel without the profile does collect it,
    as IPython does by default (the case that shows the check can fail)."""
    from jupyter_client.manager import start_new_kernel

    from runbook_lib.garbage import GC_THRESHOLD
    from runbook_lib.lab import write_kernel_profile

    environment = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")}
    if with_profile:
        write_kernel_profile(tmp_path / "ipython")
    marker = tmp_path / "collected.txt"
    manager, client = start_new_kernel(kernel_name="python3", env=environment, cwd=str(tmp_path))
    try:
        printed: list[str] = []
        reply = client.execute_interactive(
            LEAVE_CYCLIC_GARBAGE.format(marker=str(marker)), timeout=60,
            output_hook=lambda message: printed.append(message["content"].get("text", "")),
        )
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel()
    threshold = int("".join(printed).split()[-1])
    if with_profile:
        assert threshold == GC_THRESHOLD, "a lab kernel collects garbage as a headless run's processes do"
        assert not marker.exists(), "the lab's kernel scanned its heap as it exited"
    else:
        assert threshold != GC_THRESHOLD and marker.read_text() == "collected at exit"  # Python's own threshold
