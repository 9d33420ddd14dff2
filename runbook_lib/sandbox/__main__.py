"""``python -m runbook_lib.sandbox {start [--mode rehearsal],status,reset,stop}``: manage the remembered sandbox.

The remembered sandbox is the one ``make run``, ``make lab`` and the notebooks share, so the
runbook's steps act on one local account, as they would on a real one. The server itself is
``python -m runbook_sandbox``; this is the runbook's side of it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from runbook_lib.errors import SandboxError
from runbook_lib.sandbox.local_files import forget_sandbox_files
from runbook_lib.sandbox.process import SANDBOX_MODES, ensure_sandbox, find_sandbox, stop_sandbox


def describe_removed(done: str, removed: list[Path]) -> str:
    """Return ``done`` and the sandbox's files a reset removed, one a line."""
    if not removed:
        return done
    return "\n".join([done, "Removed what named the old sandbox account:", *(f"  {path}" for path in removed)])


def main(argv: list[str] | None = None) -> int:
    """Run one command; print what happened (this is the command line's edge: errors end here)."""
    parser = argparse.ArgumentParser(prog="python -m runbook_lib.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "status", "reset", "stop"))
    parser.add_argument(
        "--mode", choices=SANDBOX_MODES, default=None,
        help="start: workshop (the default: the runbook's fixed sandbox keys act as the account's owner) "
        "or rehearsal (they are refused, as on a new account whose root has only the console); "
        "a running sandbox keeps the mode it was started in",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            client = ensure_sandbox(mode=args.mode)
            print(f"Sandbox running at {client.url} ({client.mode()} mode)")
            return 0
        found = find_sandbox()
        if found is None and args.command == "reset":  # the next sandbox is a new account anyway
            print(describe_removed("No sandbox is running.", forget_sandbox_files()))
            return 0
        if found is None:
            print("No sandbox is running.")
            return 0
        if args.command == "status":
            print(f"Sandbox running at {found.client.url} ({found.mode} mode): {json.dumps(found.client.state())}")
        elif args.command == "reset":
            removed = found.client.reset()
            print(describe_removed(f"Sandbox at {found.client.url} reset: a brand-new account again.", removed))
        else:
            stop_sandbox(found)
            print(f"Sandbox at {found.client.url} stopped.")
    except SandboxError as error:
        print(f"SandboxError: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
