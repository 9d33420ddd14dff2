"""The runbook and its sandbox meet over HTTP only: neither package imports the other.

``runbook_lib`` must work on a machine without the ``[sandbox]`` extra (moto, flask), and the
sandbox must not lean on the library it stands in front of. Each side is imported in a fresh
interpreter whose import system refuses the other side; every ``import`` statement, those inside
functions included, is also read from the source.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SANDBOX_ONLY = ("moto", "flask", "flask_cors", "werkzeug", "runbook_sandbox")
"""What only the sandbox may import: moto and the web stack under it, and the server itself."""

BLOCKER = '''
import importlib, json, pkgutil, sys

class Refuse:
    """Refuse every import of the blocked top-level packages, as if they were not installed."""

    def __init__(self, blocked):
        self.blocked = set(blocked)

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"{name} is blocked for this test", name=name)
        return None

sys.meta_path.insert(0, Refuse(BLOCKED))
package = importlib.import_module(PACKAGE)
names = [package.__name__]
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
    names.append(module.name)
'''


def import_whole_package(package: str, *, blocked: tuple[str, ...], then: str) -> subprocess.CompletedProcess[str]:
    """Import every module of ``package`` in a fresh interpreter that refuses ``blocked``, then
    run the code ``then`` there (its last line printed is its answer, as JSON)."""
    code = f"BLOCKED = {blocked!r}\nPACKAGE = {package!r}\n{BLOCKER}\n{then}"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )


def test_runbook_lib_imports_without_moto_flask_or_the_sandbox() -> None:
    result = import_whole_package("runbook_lib", blocked=SANDBOX_ONLY, then="print(json.dumps(names))")
    assert result.returncode == 0, result.stderr
    imported = set(json.loads(result.stdout.splitlines()[-1]))
    assert {"runbook_lib.sandbox.client", "runbook_lib.sandbox.process", "runbook_lib.runner"} <= imported


def test_runbook_sandbox_imports_and_serves_without_runbook_lib() -> None:
    # Importing is not enough: most of the server imports moto lazily, so it also starts the app
    # and answers a control route, a console step and a moto call, all in-process.
    serve_three_requests = '''
from werkzeug.test import Client
from runbook_sandbox import server

client = Client(server.build_app())
played = client.post("/_sandbox/console/enable-root-mfa").get_json()
state = client.get("/_sandbox/state").get_json()
signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/sts/aws4_request, "
          "SignedHeaders=host, Signature=0", "Content-Type": "application/x-www-form-urlencoded"}
caller = client.post("/", data="Action=GetCallerIdentity&Version=2011-06-15", headers=signed)
print(json.dumps({"played": played, "mfa": state["root_mfa_enabled"], "sts": caller.status_code,
                  "lib": sorted(name for name in sys.modules if name.startswith("runbook_lib"))}))
'''
    result = import_whole_package("runbook_sandbox", blocked=("runbook_lib",), then=serve_three_requests)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer["mfa"] is True and "MFA" in answer["played"]["done"]
    assert (answer["sts"], answer["lib"]) == (200, [])


def imported_names(package: str) -> dict[str, set[str]]:
    """Return, per source file of ``package``, every module its import statements name."""
    found: dict[str, set[str]] = {}
    for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[str(path.relative_to(PROJECT_ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("runbook_lib", SANDBOX_ONLY), ("runbook_sandbox", ("runbook_lib",))],
)
def test_no_import_statement_crosses_the_boundary(package: str, forbidden: tuple[str, ...]) -> None:
    crossing = {
        source: sorted(name for name in names if name.partition(".")[0] in forbidden)
        for source, names in imported_names(package).items()
    }
    assert not {source: names for source, names in crossing.items() if names}
