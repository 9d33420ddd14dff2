"""A memo of AWS's answers to reads, so that one phase of a step (a plan, a verification, 00's
status table) asks AWS each thing once, however many of its judges need it.

The memo sits in botocore's event chain of a context's session, ahead of the call recorder: a
read asked again inside a scope is answered from the memo and never sent (nor counted); any
other call (a write, or ``iam:GenerateCredentialReport``, which changes what a later read
answers) forgets everything first. Outside a scope, or inside one paused (``reads_paused``),
nothing is answered from it, so a wait that polls AWS (``waiting.poll_until``) always sees the
account as it is now.

A scope is one phase: a step's read (``reads_once``: its plan's, its verify's, 00's statuses).
Interactive, each phase reads afresh: the person may have clicked in the console between two
cells. Headless, the memo is held from one phase to the next (``ReadMemo.hold``), so a verify
after a plan that changed nothing reuses the plan's reads; a verify after an apply re-reads all,
since the apply forgot everything (``StepRun.apply_now``), what it touched and what it did not.
Changes the context cannot see forget too: a console step the sandbox plays, a sandbox reset or
catch-up, the sandbox handed to a notebook (``StepRun``, ``catch_up``, ``NotebookStep.sandbox``).

A headless run carries the held answers on from one notebook to the next (``RunReads``, through
``aws.carry_run``): the runner runs each notebook in a process of its own, straight after the
last, with nobody between them either; so 08's audit reads little that 07's verify read, and 99's
inventory little that 08 read. Who asks is part of what is asked: the answers are kept per
identity (``identity_of``), and a write by any of them forgets every identity's answers.

Kept are the successful answers and those that say a thing is absent (``ABSENT_CODES``), which
change only when the account does; any other error (a report not ready yet, throttling) is asked
again. The reads of ``IDENTITY_READS`` answer who the credentials are, which no change to the
account alters: kept through a forget, they are asked once a run, not once a notebook.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, TypeVar

READ_PREFIXES = ("Get", "List", "Describe", "Search", "Lookup", "Simulate")
"""The operations that only read (``aws.AwsCall`` counts the same ones as reads)."""
ABSENT_CODES = frozenset({
    "ResourceNotFoundException", "NotFoundException", "NoSuchEntity", "AWSOrganizationsNotInUseException",
})
"""Errors that answer "there is none" (no such user, no boundary, no organization)."""
IDENTITY_READS = frozenset({("sts", "GetCallerIdentity")})
"""Reads whose answer depends on the credentials alone (who they are), not on the account."""
KEY_OF_CALL = "runbook_read_key"
"""Where the memo leaves a read's key in botocore's per-call context, for its answer."""


def is_plain_read(operation: str) -> bool:
    """Return True for an operation whose answer changes only when the account does."""
    return operation.startswith(READ_PREFIXES)


UNASKING_HEADERS = frozenset({"user-agent"})
"""Headers that say nothing of what is asked (some reads put a parameter in one: the access
portal's token in ``x-amz-sso_bearer_token``)."""


def key_of(model: Any, request: dict[str, Any]) -> str:
    """Return a key naming one read exactly: service, operation, and the request as sent
    (endpoint, path, query, body, and the headers that carry parameters)."""
    asked = {part: request.get(part) for part in ("method", "url", "url_path", "query_string", "body")}
    asked["headers"] = {name: value for name, value in dict(request.get("headers") or {}).items()
                        if name.lower() not in UNASKING_HEADERS}
    return json.dumps([model.service_model.service_name, model.name, asked], sort_keys=True, default=str)


@dataclass(frozen=True)
class KeptResponse:
    """What the memo keeps of an answer's HTTP response: botocore reads only the status code of a
    response given in place of a call, and this one outlives its connection (a headless run
    carries it to the next notebook's process: see ``RunReads``).

    ``raw`` is None as in a response with no body to read: the after-call handlers that read
    the body themselves (S3's ``GetBucketLocation``) check it first and leave the answer alone.
    """

    status_code: int
    headers: dict[str, str]
    raw: None = None


@dataclass(frozen=True)
class KeptAnswer:
    """One read's answer: the operation asked (``(service, operation)``), the response, the
    parsed answer (the memo's own copy, never handed out)."""

    operation: tuple[str, str]
    http: KeptResponse
    parsed: dict[str, Any]


RunReads = dict[str, dict[str, KeptAnswer]]
"""A headless run's held answers, per identity (``identity_of``): each notebook's contexts start
with them, and the runner passes on what its process left (``aws.carry_run``)."""


@dataclass
class ReadMemo:
    """The answers to the reads made inside a scope (``scope``), until something may change them.

    Attributes:
        held: True when the answers outlive their scope, to be reused by the next one (a
            headless notebook: see ``hold``); False: each outermost scope starts afresh.
        run_reads: The headless run's answers this memo's are part of (``join``), all of them
            forgotten with its own; None: its answers are its own.
    """

    answers: dict[str, KeptAnswer] = field(default_factory=dict)
    held: bool = False
    run_reads: RunReads | None = field(default=None, repr=False)
    _depth: int = 0
    _paused: int = 0

    def join(self, run_reads: RunReads, identity: str) -> None:
        """Start with, and add to, the answers ``identity`` was given earlier in a headless run;
        hold them (``hold``): a run's notebooks run straight through, and its first read (who the
        context acts as, before the step says it runs headless) is to find them still there.
        """
        self.answers = run_reads.setdefault(identity, self.answers)
        self.run_reads = run_reads
        self.hold()

    def attach(self, session: Any) -> None:
        """Answer this session's clients' reads from the memo (call before any client is made)."""
        session.events.register_first("before-call", self.answer)
        # Ahead of botocore's own after-call handlers, which change the answer in place (IAM's
        # policies are decoded) and are to do it again to each copy the memo gives out: the
        # handlers of a longer event name are called first (``botocore.hooks``).
        session.events.register_first("after-call.*.*", self.remember)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Read each thing once inside this block (scopes nest; the outermost ends the memo
        unless it is held)."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth and not self.held:
                self.forget_everything()  # who the credentials are too: each phase asks afresh

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Send every read inside this block, even within a scope: for a wait that polls AWS
        until the account changes (asked again, the memo would answer the same forever). A
        step's read called by the wait opens its scope inside the pause, and is paused too."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    def hold(self) -> None:
        """Keep the answers from one scope to the next, until a write or ``forget``.

        Sound only where nobody else can change the account between two phases: a headless
        run, whose cells papermill runs straight through, with nobody to click in between.
        What the runbook itself changes (a write through the context, a console step played,
        the sandbox reset) forgets. (A change made with other credentials, such as the calls
        04 makes as the developer's role, which only read or are refused, is not seen.)
        """
        self.held = True

    @property
    def answering(self) -> bool:
        """True inside a scope that is not paused: reads are answered and kept."""
        return bool(self._depth) and not self._paused

    def forget(self) -> None:
        """Drop every answer that the account's state decides (all but ``IDENTITY_READS``): the
        account may have changed. In a headless run, every identity's (``join``): a change made
        as one of them may change what any of them reads."""
        for answers in [self.answers, *(self.run_reads or {}).values()]:
            forget_account_reads(answers)

    def forget_everything(self) -> None:
        """Drop every answer, who the credentials are too: for an account replaced (the sandbox
        reset: its account may be another), and at the end of a phase that is not held."""
        for answers in [self.answers, *(self.run_reads or {}).values()]:
            answers.clear()

    def answer(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> Any:
        """Handle botocore's ``before-call``: forget on a non-read; answer a read asked before."""
        if not is_plain_read(model.name):
            self.forget()
            return None
        if not self.answering or model.has_streaming_output:
            return None
        key = context[KEY_OF_CALL] = key_of(model, params)
        known = self.answers.get(key)
        if known is None:
            return None
        return known.http, copy.deepcopy(known.parsed)

    def remember(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any,
    ) -> None:
        """Handle botocore's ``after-call``: keep a successful answer to a read made in a scope."""
        key = context.get(KEY_OF_CALL)
        if key is None or not self.answering or not is_lasting(http_response.status_code, parsed):
            return
        kept = KeptResponse(http_response.status_code, dict(http_response.headers))
        operation = (model.service_model.service_name, model.name)
        self.answers.setdefault(key, KeptAnswer(operation, kept, copy.deepcopy(parsed)))


def forget_account_reads(answers: dict[str, KeptAnswer]) -> None:
    """Drop, in place, every answer but those of ``IDENTITY_READS``."""
    for key in [key for key, kept in answers.items() if kept.operation not in IDENTITY_READS]:
        del answers[key]


def identity_of(ctx: Any) -> str:
    """Name who a context acts as, without resolving its credentials (an SSO profile's would
    call AWS): its target, profile and endpoint, and the access key the environment gives."""
    return json.dumps([
        ctx.target, ctx.session.profile_name, ctx.endpoint_url, os.environ.get("AWS_ACCESS_KEY_ID", ""),
    ])


def is_lasting(status_code: int, parsed: dict[str, Any]) -> bool:
    """Return True for an answer that stays true until the account changes: a success, or one
    of the errors that say a thing is absent."""
    return status_code < 300 or (status_code < 500 and parsed.get("Error", {}).get("Code") in ABSENT_CODES)


def reads_paused(ctx: Any) -> Any:
    """Return ``ctx.reads.paused()`` (see ``ReadMemo.paused``), or no pause for a stand-in context."""
    memo = getattr(ctx, "reads", None)
    return memo.paused() if memo is not None else nullcontext()


F = TypeVar("F", bound=Callable[..., Any])


def reads_once(function: F) -> F:
    """Decorate a step's read (its first argument the ``AwsContext``) to read each thing once.

    A wait that polls inside it must pause the memo (``reads_paused``), or it would be
    answered the same forever.
    """

    @functools.wraps(function)
    def wrapper(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        memo = getattr(ctx, "reads", None)
        if memo is None:  # a test's stand-in for the context
            return function(ctx, *args, **kwargs)
        with memo.scope():
            return function(ctx, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
