"""The audit's shape: collect (boto3, every function wrapped) apart from judge and report (pure),
below the steps and the UI (it imports neither)."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import runbook_lib.audit

AUDIT = Path(runbook_lib.audit.__file__).parent
PURE = ("facts", "judge", "judge_guardrails", "verdict", "report", "chart")
"""Modules that must not reach AWS (``spending`` and ``report`` read pandas lazily; ``spending``
holds its own collector)."""


def imported(module: str) -> set[str]:
    """Return the top-level names of what a module of the audit imports (type-checking imports too)."""
    tree = ast.parse((AUDIT / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


MODULES = sorted(found.name for found in pkgutil.iter_modules([str(AUDIT)]))


@pytest.mark.parametrize("module", MODULES)
def test_the_audit_imports_no_step_and_no_ui(module: str) -> None:
    names = imported(module)
    assert not {name for name in names if name.startswith(("runbook_lib.steps", "runbook_lib.notebook", "runbook_lib.widgets",
                                                           "runbook_lib.step_run", "IPython", "ipywidgets"))}


@pytest.mark.parametrize("module", PURE)
def test_judging_and_reporting_reach_no_aws(module: str) -> None:
    names = imported(module)
    assert not {name for name in names if name.startswith(("boto3", "botocore", "runbook_lib.aws", "runbook_lib.audit.collect",
                                                           "runbook_lib.audit.clients"))}, names


def test_every_public_audit_function_that_reaches_aws_translates_its_errors() -> None:
    unwrapped = []
    for module_name in MODULES:
        module = importlib.import_module(f"runbook_lib.audit.{module_name}")
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function) or inspect.unwrap(function).__module__ != module.__name__:
                continue
            takes_ctx = any(parameter.name == "ctx" or "AwsContext" in str(parameter.annotation)
                            for parameter in inspect.signature(function).parameters.values())
            if takes_ctx and not getattr(function, "translates_aws_errors", False) and module_name != "clients":
                unwrapped.append(f"{module_name}.{name}")  # clients' functions make clients, never a call
    assert unwrapped == []
