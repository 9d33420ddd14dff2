"""``python -m runbook_lib.sandbox {start,status,reset,stop}``: manage the remembered sandbox.

The remembered sandbox is the one ``make run``, ``make lab`` and the notebooks share, so the
runbook's steps act on one local account, as they would on a real one. The server itself is
``python -m runbook_sandbox``; this is the runbook's side of it.
"""

from __future__ import annotations

import argparse
import json
import sys

from runbook_lib.errors import SandboxError
from runbook_lib.sandbox.process import ensure_sandbox, find_sandbox, stop_sandbox


def main(argv: list[str] | None = None) -> int:
    """Run one command; print what happened (this is the command line's edge: errors end here)."""
    parser = argparse.ArgumentParser(prog="python -m runbook_lib.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "status", "reset", "stop"))
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            print(f"Sandbox running at {ensure_sandbox().url}")
            return 0
        found = find_sandbox()
        if found is None:
            print("No sandbox is running.")
            return 0
        if args.command == "status":
            print(f"Sandbox running at {found.client.url}: {json.dumps(found.client.state())}")
        elif args.command == "reset":
            found.client.reset()
            print(f"Sandbox at {found.client.url} reset: a brand-new account again.")
        else:
            stop_sandbox(found)
            print(f"Sandbox at {found.client.url} stopped.")
    except SandboxError as error:
        print(f"SandboxError: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
