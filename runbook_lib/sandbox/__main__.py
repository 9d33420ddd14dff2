"""``python -m runbook_lib.sandbox {start,status,reset,stop}``: manage the remembered sandbox.

The remembered sandbox is the one ``make run``, ``make lab`` and the notebooks share, so the
runbook's steps act on one local account, as they would on a real one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from runbook_lib.errors import SandboxError
from runbook_lib.sandbox.client import SandboxClient, ensure_sandbox, sandbox_state_file


def remembered() -> tuple[SandboxClient, int] | None:
    """Return the remembered sandbox and its process id, if one is remembered and answers."""
    state_file = sandbox_state_file()
    if not state_file.exists():
        return None
    saved = json.loads(state_file.read_text(encoding="utf-8"))
    client = SandboxClient(saved["url"])
    return (client, int(saved["pid"])) if client.is_alive() else None


def main(argv: list[str] | None = None) -> int:
    """Run one command; print what happened."""
    parser = argparse.ArgumentParser(prog="python -m runbook_lib.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "status", "reset", "stop"))
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            print(f"Sandbox running at {ensure_sandbox().url}")
            return 0
        found = remembered()
        if found is None:
            print("No sandbox is running.")
            return 0
        client, pid = found
        if args.command == "status":
            print(f"Sandbox running at {client.url}: {json.dumps(client.state())}")
        elif args.command == "reset":
            client.reset()
            print(f"Sandbox at {client.url} reset: a brand-new account again.")
        else:
            os.kill(pid, signal.SIGTERM)
            sandbox_state_file().unlink(missing_ok=True)
            print(f"Sandbox at {client.url} stopped.")
    except SandboxError as error:
        print(f"SandboxError: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
