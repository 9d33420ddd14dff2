"""``python -m runbook_sandbox [--host H] [--port P] [--ready-file PATH]``: serve the sandbox.

The runbook's client (``runbook_lib.sandbox``) starts it this way, in a child process, and reads
its URL from the ready file; nothing else passes between them but HTTP.
"""

from __future__ import annotations

import sys

from runbook_sandbox.server import main

if __name__ == "__main__":
    sys.exit(main())
