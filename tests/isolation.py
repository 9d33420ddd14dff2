"""Keep the tests (and every kernel they start) in a temporary home, away from real AWS.

Imported by conftest before anything imports botocore: botocore fixes its SSO token cache
folder from ``HOME`` when it is first imported, so ``HOME`` must be the temporary one by then.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

REGION = "us-east-1"

ISOLATED_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)
"""Variables that could lead a test to real credentials; removed before anything runs."""


def isolated_variables(home: Path) -> dict[str, str]:
    """Return the environment that keeps the tests (and their kernels) in ``home``, off real AWS."""
    return {
        "HOME": str(home),
        "RUNBOOK_HOME": str(home / ".runbook"),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": REGION,
    }


def isolate_this_process(prefix: str) -> Path:
    """Point this process (and its children) at a new temporary home; return it.

    The folder is removed at exit rather than earlier: IPython, once a test formats a widget's
    output, writes its history into ``HOME`` from an atexit hook registered after this one.
    """
    home = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, home, True)
    for name in ISOLATED_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(isolated_variables(home))
    return home


