"""Is the AWS CLI installed, and is it version 2 (the one that signs in with IAM Identity Center)?"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

INSTALL_GUIDE = {
    "macOS": "brew install awscli   (or the official installer: AWSCLIV2.pkg from awscli.amazonaws.com)",
    "Linux": (
        'curl "https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip" -o awscliv2.zip && unzip awscliv2.zip '
        "&& sudo ./aws/install   (use ...-linux-aarch64.zip on ARM)"
    ),
    "Windows": "winget install Amazon.AWSCLI   (or the MSI: https://awscli.amazonaws.com/AWSCLIV2.msi)",
}
"""How to install AWS CLI v2, per operating system (AWS's documented ways)."""

VERSION_PATTERN = re.compile(r"aws-cli/(?P<version>(?P<major>\d+)\.\d+\.\d+)")


@dataclass(frozen=True)
class AwsCli:
    """An ``aws`` executable found on this machine.

    Attributes:
        path: Where it is.
        version: e.g. ``2.22.35``; empty when ``aws --version`` said nothing we understand.
    """

    path: str
    version: str

    @property
    def major(self) -> int:
        """The major version (0 when unknown)."""
        return int(self.version.split(".")[0]) if self.version else 0

    @property
    def can_sign_in_with_sso(self) -> bool:
        """Return True for v2: v1 has no ``aws sso login`` with sso-session profiles."""
        return self.major >= 2


def parse_cli_version(output: str) -> str:
    """Return the version in ``aws --version``'s output (``aws-cli/2.22.35 Python/...``), or ""."""
    found = VERSION_PATTERN.search(output)
    return found.group("version") if found else ""


def find_aws_cli(*, timeout_seconds: float = 20) -> AwsCli | None:
    """Return the ``aws`` on PATH and its version, or None when there is none."""
    path = shutil.which("aws")
    if path is None:
        return None
    try:
        answered = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=timeout_seconds, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return AwsCli(path, "")
    # v1 printed its version on stderr, v2 prints it on stdout
    return AwsCli(path, parse_cli_version(answered.stdout + answered.stderr))


def describe_cli(cli: AwsCli | None) -> str:
    """Return what the person should know about their AWS CLI, in a few lines."""
    if cli is None:
        guide = "\n".join(f"  {system}: {how}" for system, how in INSTALL_GUIDE.items())
        return f"No `aws` command found. Install AWS CLI version 2:\n{guide}\nThe profiles below work once it is installed."
    if not cli.can_sign_in_with_sso:
        return (
            f"{cli.path} is AWS CLI {cli.version or 'of unknown version'}: version 1 cannot sign in with "
            "IAM Identity Center. Uninstall it and install version 2:\n"
            + "\n".join(f"  {system}: {how}" for system, how in INSTALL_GUIDE.items())
        )
    return f"{cli.path} is AWS CLI {cli.version}: it can sign in with `aws sso login`."
