"""pyproject.toml is the one place dependencies are declared; environment.yml must mirror it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def declared_in_pyproject() -> set[str]:
    """Return every requirement of pyproject.toml: the core ones and every extra's."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements.update(extra)
    return requirements


def declared_in_environment() -> set[str]:
    """Return the pip requirements of environment.yml, without the project itself."""
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_lists = [item["pip"] for item in environment["dependencies"] if isinstance(item, dict)]
    return {requirement for pip in pip_lists for requirement in pip if not requirement.startswith("-e")}


def test_environment_yml_mirrors_pyproject_exactly() -> None:
    in_pyproject = declared_in_pyproject()
    in_environment = declared_in_environment()
    assert in_pyproject == in_environment, (
        f"only in pyproject.toml: {sorted(in_pyproject - in_environment)}; "
        f"only in environment.yml: {sorted(in_environment - in_pyproject)}"
    )


def test_environment_installs_the_project_itself() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_lists = [item["pip"] for item in environment["dependencies"] if isinstance(item, dict)]
    assert ["-e ."] == [requirement for pip in pip_lists for requirement in pip if requirement.startswith("-e")]


def test_design_card_packages_are_declared() -> None:
    names = {requirement.split(">")[0].split("<")[0].split("=")[0].lower() for requirement in declared_in_pyproject()}
    assert {"jupyterlab", "ipywidgets", "boto3", "papermill", "nbval", "pandas", "moto", "pytest"} <= names
