"""AWS access for every step: sessions, clients with standard retries, the call recorder, and the
translation of AWS's errors into ones that say what to do next.

Nothing is created at import time; a step receives an ``AwsContext`` and asks it for clients. The
sandbox and a real account differ only in the endpoint and the credentials given here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, TypeVar

import boto3
import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.session

from runbook_lib.aws_memo import READ_PREFIXES, ReadMemo, RunReads, identity_of
from runbook_lib.errors import AccessDeniedError, AwsCallError, RunbookError, ThrottledError

RETRY_CONFIG = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 5})
"""botocore's standard retry mode: backs off on throttling and transient errors."""

NON_MUTATING_OPERATIONS = frozenset({
    # Asks IAM to build a report of what exists; changes no resource or setting.
    "GenerateCredentialReport",
})

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
    "ThrottledException", "SlowDown",
})
ACCESS_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
    "AuthorizationError",  # SNS
    "InvalidClientTokenId", "InvalidAccessKeyId", "AuthFailure",  # keys AWS never issued (IAM/STS, S3, EC2)
})
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "UnauthorizedException"})


@dataclass(frozen=True)
class AwsCall:
    """One AWS API call a step made (one per call, however many retries it took)."""

    service: str
    operation: str

    @property
    def mutating(self) -> bool:
        """Return True when the call can change the account (anything but a read)."""
        return not (self.operation.startswith(READ_PREFIXES) or self.operation in NON_MUTATING_OPERATIONS)

    def __str__(self) -> str:
        return f"{self.service}:{self.operation}"


@dataclass
class CallRecorder:
    """Record every AWS call made through a session, via botocore's ``before-call`` event."""

    calls: list[AwsCall] = field(default_factory=list)

    def attach(self, session: boto3.Session) -> None:
        """Start recording the calls of every client this session creates from now on."""
        session.events.register("before-call", self.record)

    def record(self, model: Any, **_: Any) -> None:
        """Handle botocore's ``before-call`` event: note the service and the operation."""
        self.calls.append(AwsCall(model.service_model.service_name, model.name))

    @property
    def reads(self) -> list[AwsCall]:
        """The calls that only read."""
        return [call for call in self.calls if not call.mutating]

    @property
    def writes(self) -> list[AwsCall]:
        """The calls that could change the account."""
        return [call for call in self.calls if call.mutating]


@dataclass
class RunKnowledge:
    """What a headless run learns in one notebook and the next needs not ask again.

    The runner runs each notebook in a process of its own, one after the other, with nobody
    acting in between, and carries this from each to the next (``carry_run``).

    Attributes:
        permission_sets: Per Identity Center instance ARN, every permission set's name -> ARN
            (``AwsContext.permission_set_arns``): a run lists an instance's permission sets
            once, not once per step. A map that turns out stale is corrected as within one step
            (``steps.access``).
        reads: The held answers to reads, per identity (``aws_memo.RunReads``): what one
            notebook's verify read and nothing since changed, the next notebook's plan is not
            sent again.
    """

    permission_sets: dict[str, dict[str, str]] = field(default_factory=dict)
    reads: RunReads = field(default_factory=dict)
    sandbox: tuple[str, str] | None = None
    """The sandbox's endpoint and the region the last notebook's sandbox context acted on: the
    runner prepares a context there for the next ones (``prepare_sandbox_context``)."""


RUN_KNOWLEDGE: RunKnowledge | None = None
"""What every new ``AwsContext`` of this process shares, when a headless run carries it from one
notebook to the next (``carry_run``); None: each context keeps its own, as in JupyterLab and in
tests."""


def carry_run(knowledge: RunKnowledge | None) -> None:
    """Make every ``AwsContext`` made from now on share ``knowledge`` (None: each its own again)."""
    global RUN_KNOWLEDGE
    RUN_KNOWLEDGE = knowledge


def run_permission_sets() -> dict[str, dict[str, str]]:
    """Return the maps a new context starts with: the run's, shared, or a new empty one."""
    return RUN_KNOWLEDGE.permission_sets if RUN_KNOWLEDGE is not None else {}


@dataclass
class AwsContext:
    """What a step needs to reach AWS: a session, its region, an endpoint, the call recorder.

    Attributes:
        session: The boto3 session (profile or sandbox credentials).
        region: The region the runbook works in.
        endpoint_url: The sandbox's URL, or None for real AWS.
        recorder: Every call made through this context's clients.
        target: ``"sandbox"``, ``"profile"``, ``"environment"`` or ``"none"`` (no credentials).
        permission_set_arns: Per Identity Center instance ARN, every permission set's name -> ARN,
            from one full listing this run (sso-admin has no lookup by name); kept up to date by
            the create applier and dropped when an ARN from it turns out missing. An instance
            absent here has not been listed yet. In a headless run, shared by the run's steps
            (``carry_run``).
        reads: The answers to reads, asked once per phase (``aws_memo``); ahead of the
            recorder, so a read answered from it is not counted. In a headless run, it starts
            with what the run's earlier notebooks read as the same identity (``carry_run``).
    """

    session: boto3.Session
    region: str
    endpoint_url: str | None = None
    recorder: CallRecorder = field(default_factory=CallRecorder)
    target: str = "sandbox"
    permission_set_arns: dict[str, dict[str, str]] = field(default_factory=run_permission_sets, repr=False)
    reads: ReadMemo = field(default_factory=ReadMemo, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.join_run()
        self.reads.attach(self.session)
        self.recorder.attach(self.session)

    def join_run(self) -> None:
        """Share what this process's headless run carries (``carry_run``), if it carries anything."""
        if RUN_KNOWLEDGE is not None:
            self.permission_set_arns = RUN_KNOWLEDGE.permission_sets
            self.reads.join(RUN_KNOWLEDGE.reads, identity_of(self))

    @property
    def is_sandbox(self) -> bool:
        """Return True when the runbook acts on the local sandbox, not a real account."""
        return self.target == "sandbox"

    def client(self, service: str, region: str | None = None) -> Any:
        """Return the (cached) client for ``service``, with standard retries and the endpoint.

        Args:
            region: Another region than the context's (the audit reads EBS encryption in every
                region, several times a step): cached per service and region, as botocore
                builds a client's class anew each time (0.03 s for EC2's 600 operations).
        """
        key = service if region in (None, self.region) else f"{service}@{region}"
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=region or self.region, endpoint_url=self.endpoint_url, config=RETRY_CONFIG
            )
        return self._clients[key]


PREPARED_SANDBOX_CONTEXTS: dict[tuple[str, str], AwsContext] = {}
"""Sandbox contexts made before they are asked for, per (endpoint, region): each is handed out
once (``sandbox_context``)."""


def sandbox_context(endpoint_url: str, region: str) -> AwsContext:
    """Return a context on the sandbox: fixed fake credentials, the sandbox's endpoint.

    A context prepared for this endpoint and region (``prepare_sandbox_context``) is handed out
    the first time, joined to the run; every later call makes a new one.
    """
    if RUN_KNOWLEDGE is not None:
        RUN_KNOWLEDGE.sandbox = (endpoint_url, region)
    prepared = PREPARED_SANDBOX_CONTEXTS.pop((endpoint_url, region), None)
    if prepared is not None:
        prepared.join_run()
        return prepared
    session = boto3.Session(
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name=region
    )
    return AwsContext(session, region, endpoint_url=endpoint_url, target="sandbox")


def prepare_sandbox_context(endpoint_url: str, region: str, services: tuple[str, ...] | list[str]) -> None:
    """Make, now, the sandbox context the next ``sandbox_context(endpoint_url, region)`` hands
    out, with a client for each of ``services``.

    The headless runner prepares one before forking a notebook's process: each process then
    starts with the context untouched (no call made, nothing recorded or read), instead of
    building a session and its clients again (a client 4 to 5 ms; a run made 54).
    """
    PREPARED_SANDBOX_CONTEXTS.pop((endpoint_url, region), None)
    context = sandbox_context(endpoint_url, region)
    for service in services:
        context.client(service)
    PREPARED_SANDBOX_CONTEXTS[(endpoint_url, region)] = context


def environment_context(region: str) -> AwsContext:
    """Return a context on a real account through the AWS SDK's default credential chain.

    The chain is botocore's own: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``,
    ``AWS_PROFILE`` or the default profile, then container credentials (AWS CloudShell's) and
    instance metadata. Makes no AWS call.
    """
    return AwsContext(boto3.Session(region_name=region), region, target="environment")


def no_access_context(region: str) -> AwsContext:
    """Return a context with no credentials at all, for target ``none``: only unsigned calls work.

    Its credential chain is empty, so credentials in the environment are never picked up, and a
    signed call fails (``NoCredentialsError``) before anything is sent; sso-oidc's device sign-in,
    which is unsigned, works. ``region`` may be empty: nothing here needs one.
    """
    core = botocore.session.Session()
    core.register_component("credential_provider", botocore.credentials.CredentialResolver(providers=[]))
    return AwsContext(boto3.Session(botocore_session=core, region_name=region or None), region, target="none")


def profile_context(profile: str, region: str) -> AwsContext:
    """Return a context on a real account through a named AWS CLI profile (SSO or keys)."""
    return AwsContext(boto3.Session(profile_name=profile, region_name=region), region, target="profile")


def point_session_at(core: botocore.session.Session, endpoint_url: str) -> None:
    """Send every client ``core`` creates to ``endpoint_url``, the credential providers' own too.

    A session built from an SSO profile gets its credentials from botocore's SSO provider, which
    makes its own ``sso`` client (``GetRoleCredentials``) from the session, with no endpoint
    argument to pass; so in the sandbox the endpoint must be the session's. It goes in the
    session's config store, where each client looks its endpoint up, and an override there wins
    over the environment and the config file. (``Session.set_config_variable`` would not do:
    ``endpoint_url`` is not one of its session variables, and the clients' endpoint lookup reads
    only the environment and the config file.) The process's ``AWS_ENDPOINT_URL`` is left alone:
    set there, it would send every later session of the process to the sandbox as well.
    """
    core.get_component("config_store").set_config_variable("endpoint_url", endpoint_url)


def error_code(error: botocore.exceptions.ClientError) -> str:
    """Return AWS's error code from a ClientError."""
    return error.response.get("Error", {}).get("Code", "Unknown")


def translate_client_error(error: botocore.exceptions.ClientError) -> RunbookError:
    """Turn AWS's error into one of ours that says what to do next."""
    code = error_code(error)
    message = error.response.get("Error", {}).get("Message", str(error))
    operation = error.operation_name
    if code in ACCESS_DENIED_CODES:
        return AccessDeniedError(
            operation, code, message,
            advice=(
                f"The identity the runbook acts as may not call {operation}. Use a profile with "
                "administrator rights (the Admin user's SSO profile once step 03 is done); never "
                "create access keys for root."
            ),
        )
    if code in THROTTLING_CODES:
        return ThrottledError(
            operation, code, message,
            advice="AWS is rate-limiting this account. Wait a minute and run the step again; "
            "it carries on from where it stopped.",
        )
    if code in EXPIRED_CODES:
        return AwsCallError(
            operation, code, message,
            advice="Your sign-in has expired. Run `aws sso login --profile <your profile>` and run the step again.",
        )
    return AwsCallError(
        operation, code, message,
        advice="Read AWS's message above, fix what it names, then run the step again; "
        "it plans from the account's live state.",
    )


def translate_botocore_error(error: botocore.exceptions.BotoCoreError) -> RunbookError:
    """Turn a botocore failure before AWS answered (no credentials, no network) into advice."""
    if isinstance(error, (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError)):
        return RunbookError(
            f"No AWS credentials were found ({error}).",
            advice="Choose a profile in 00_start_here, and for an SSO profile run `aws sso login --profile <name>`.",
        )
    if isinstance(error, (botocore.exceptions.SSOTokenLoadError, botocore.exceptions.TokenRetrievalError)):
        return RunbookError(
            f"The SSO sign-in for this profile is missing or expired ({error}).",
            advice="Run `aws sso login --profile <name>` (add --use-device-code on a remote machine), then re-run.",
        )
    if isinstance(error, botocore.exceptions.EndpointConnectionError):
        return RunbookError(
            f"AWS could not be reached ({error}).",
            advice="Check the network (or, for the sandbox, that it is running), then run the step again.",
        )
    return RunbookError(f"The AWS SDK failed: {error}", advice="Run the step again; if it persists, report it.")


F = TypeVar("F", bound=Callable[..., Any])


def translating_aws_errors(function: F) -> F:
    """Decorate a function that calls AWS so that AWS's errors arrive as ``RunbookError``s.

    The wrapper is marked ``translates_aws_errors = True`` so a test can find the functions of
    the step layer that take an ``AwsContext`` and were left unwrapped.
    """

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except botocore.exceptions.ClientError as error:
            raise translate_client_error(error) from error
        except botocore.exceptions.BotoCoreError as error:
            raise translate_botocore_error(error) from error

    wrapper.translates_aws_errors = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def paginate(client: Any, operation: str, key: str, **params: Any) -> Iterator[Any]:
    """Yield every item under ``key`` of a paginated read, page by page."""
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])
