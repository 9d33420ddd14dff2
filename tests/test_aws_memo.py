"""The memo of reads: inside a scope a read is sent once; a write, or leaving the scope, forgets."""

from __future__ import annotations

import botocore.exceptions
import pytest

from runbook_lib.aws_memo import reads_once


def sent(ctx) -> list[str]:
    return [str(call) for call in ctx.recorder.calls]


def test_a_read_asked_twice_in_a_scope_is_sent_once_and_answers_the_same(ctx):
    iam = ctx.client("iam")
    with ctx.reads.scope():
        first = iam.get_account_summary()["SummaryMap"]
        first["AccountMFAEnabled"] = "changed by the caller"  # the memo keeps its own copy
        second = iam.get_account_summary()["SummaryMap"]
    assert sent(ctx) == ["iam:GetAccountSummary"]
    assert second["AccountMFAEnabled"] != "changed by the caller"


def test_reads_of_other_things_are_each_sent(ctx):
    iam = ctx.client("iam")
    with ctx.reads.scope():
        iam.list_roles(PathPrefix="/a/")
        iam.list_roles(PathPrefix="/b/")
        iam.list_roles(PathPrefix="/a/")
    assert sent(ctx) == ["iam:ListRoles", "iam:ListRoles"]


def test_a_write_forgets_what_was_read_so_the_next_read_sees_it(ctx):
    iam = ctx.client("iam")
    with ctx.reads.scope():
        assert iam.list_users()["Users"] == []
        iam.create_user(UserName="someone")
        assert [user["UserName"] for user in iam.list_users()["Users"]] == ["someone"]
    assert sent(ctx) == ["iam:ListUsers", "iam:CreateUser", "iam:ListUsers"]


def test_outside_a_scope_every_read_is_sent_so_a_wait_sees_the_account_now(ctx):
    iam = ctx.client("iam")
    with ctx.reads.scope():
        iam.get_account_summary()
    iam.get_account_summary()
    iam.get_account_summary()
    assert sent(ctx) == ["iam:GetAccountSummary"] * 3


def test_leaving_the_outermost_scope_forgets_unless_held(ctx):
    iam = ctx.client("iam")
    with ctx.reads.scope():
        with ctx.reads.scope():
            iam.get_account_summary()
        iam.get_account_summary()  # the inner scope's answer still holds in the outer one
    with ctx.reads.scope():
        iam.get_account_summary()
    assert sent(ctx) == ["iam:GetAccountSummary"] * 2

    ctx.reads.hold()  # a headless run: the verify may reuse the plan's reads
    with ctx.reads.scope():
        iam.list_users()
    with ctx.reads.scope():
        iam.list_users()
    ctx.reads.forget()  # a console step played: the account changed behind the context
    with ctx.reads.scope():
        iam.list_users()
    assert sent(ctx)[2:] == ["iam:ListUsers"] * 2


def test_an_answer_that_a_thing_is_absent_is_kept_and_other_errors_are_asked_again(ctx):
    iam = ctx.client("iam")
    with ctx.reads.scope():
        for _ in range(2):
            with pytest.raises(botocore.exceptions.ClientError, match="NoSuchEntity"):
                iam.get_user(UserName="nobody")
        for _ in range(2):  # not ready yet: asked again, as the credential report's wait needs
            with pytest.raises(botocore.exceptions.ClientError, match="ReportNotPresent"):
                iam.get_credential_report()
    assert sent(ctx) == ["iam:GetUser", "iam:GetCredentialReport", "iam:GetCredentialReport"]


def test_generating_the_credential_report_forgets_though_it_counts_as_no_change(ctx):
    iam = ctx.client("iam")
    with ctx.reads.scope():
        iam.get_account_summary()
        iam.generate_credential_report()
        iam.get_account_summary()
    assert sent(ctx) == ["iam:GetAccountSummary", "iam:GenerateCredentialReport", "iam:GetAccountSummary"]


def test_reads_once_makes_a_steps_read_one_scope(ctx):
    @reads_once
    def read_twice(context):
        return [context.client("iam").get_account_summary() for _ in range(2)]

    read_twice(ctx)
    read_twice(ctx)
    assert sent(ctx) == ["iam:GetAccountSummary"] * 2


def test_an_answer_botocore_decodes_after_the_call_is_decoded_once_in_each_copy(ctx):
    """botocore's after-call handlers decode IAM's policy documents in place: the memo keeps the
    answer as it came, so the copy it gives out is decoded like a fresh one."""
    iam = ctx.client("iam")
    trust = '{"Version": "2012-10-17", "Statement": []}'
    iam.create_role(RoleName="memo-role", AssumeRolePolicyDocument=trust)
    with ctx.reads.scope():
        documents = [iam.get_role(RoleName="memo-role")["Role"]["AssumeRolePolicyDocument"] for _ in range(2)]
    assert documents == [{"Version": "2012-10-17", "Statement": []}] * 2
    assert sent(ctx) == ["iam:CreateRole", "iam:GetRole"]


def test_a_parameter_sent_in_a_header_tells_two_reads_apart():
    """The access portal's reads carry the person's token in a header: another token, another read."""
    from types import SimpleNamespace

    from runbook_lib.aws_memo import key_of

    model = SimpleNamespace(name="ListAccountRoles", service_model=SimpleNamespace(service_name="sso"))

    def request(token: str, agent: str) -> dict:
        return {"method": "GET", "url": "https://portal.sso.us-east-1.amazonaws.com/assignment/roles",
                "url_path": "/assignment/roles", "query_string": {"account_id": "123456789012"}, "body": b"",
                "headers": {"x-amz-sso_bearer_token": token, "User-Agent": agent}}

    assert key_of(model, request("one", "a")) == key_of(model, request("one", "b"))
    assert key_of(model, request("one", "a")) != key_of(model, request("two", "a"))


def test_a_wait_paused_inside_a_scope_sends_every_read_even_through_a_steps_read(ctx):
    """A wait polls a step's read (02 waits for the instance through ``read_instance``): the
    read's own scope, opened inside the pause, must not answer from the memo."""
    @reads_once
    def read_summary(context):
        return context.client("iam").get_account_summary()

    ctx.reads.hold()
    with ctx.reads.scope():
        read_summary(ctx)
        with ctx.reads.paused():
            read_summary(ctx)
            read_summary(ctx)
        read_summary(ctx)  # after the pause, answered again
    assert sent(ctx) == ["iam:GetAccountSummary"] * 3


def test_who_the_credentials_are_is_kept_through_a_write_when_held_and_asked_afresh_when_not(ctx):
    sts, iam = ctx.client("sts"), ctx.client("iam")
    with ctx.reads.scope():
        sts.get_caller_identity()
    with ctx.reads.scope():  # not held: each phase asks afresh, who the credentials are too
        sts.get_caller_identity()
    ctx.reads.hold()
    with ctx.reads.scope():
        sts.get_caller_identity()
        iam.get_account_summary()
    iam.create_user(UserName="changes-the-account")
    with ctx.reads.scope():
        caller = sts.get_caller_identity()
        iam.get_account_summary()
    ctx.reads.forget_everything()  # the sandbox reset: its account may be another
    with ctx.reads.scope():
        sts.get_caller_identity()
    assert caller["Account"] == "123456789012"
    assert sent(ctx) == [
        "sts:GetCallerIdentity", "sts:GetCallerIdentity", "sts:GetCallerIdentity", "iam:GetAccountSummary",
        "iam:CreateUser", "iam:GetAccountSummary", "sts:GetCallerIdentity",
    ]


def carried_to_a_new_process(knowledge):
    """What a forked notebook hands back to the runner: the same bytes the runner's pipe carries."""
    import pickle

    return pickle.loads(pickle.dumps(knowledge))


def test_a_headless_run_carries_held_answers_to_the_next_notebooks_contexts_and_a_write_forgets_them(sandbox, monkeypatch):
    from runbook_lib import aws
    from runbook_lib.aws import sandbox_context

    seed = sandbox_context(sandbox.url, "us-east-1")
    seed.client("iam").create_user(UserName="already-there")  # an answer with a date in it
    knowledge = aws.RunKnowledge()
    aws.carry_run(knowledge)
    try:
        first = sandbox_context(sandbox.url, "us-east-1")  # one notebook's context
        with first.reads.scope():
            users = first.client("iam").list_users()["Users"]
        aws.carry_run(carried_to_a_new_process(knowledge))
        later = sandbox_context(sandbox.url, "us-east-1")  # the next notebook's, in its own process
        with later.reads.scope():
            assert later.client("iam").list_users()["Users"] == users
            assert sent(later) == []  # nothing changed since: answered from what was carried
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "someone-else")  # another identity (``identity_of``)
        someone_else = sandbox_context(sandbox.url, "us-east-1")
        assert someone_else.reads.answers is not later.reads.answers
        someone_else.client("iam").create_user(UserName="made-by-another-context")
        with later.reads.scope():
            names = [user["UserName"] for user in later.client("iam").list_users()["Users"]]
        assert sent(later) == ["iam:ListUsers"]  # a write as anyone forgets every identity's answers
        assert "made-by-another-context" in names
    finally:
        aws.carry_run(None)
    alone = sandbox_context(sandbox.url, "us-east-1")
    with alone.reads.scope():
        alone.client("iam").list_users()
    assert sent(alone) == ["iam:ListUsers"]


def test_answers_are_carried_per_identity(sandbox):
    from runbook_lib import aws
    from runbook_lib.aws_memo import identity_of

    knowledge = aws.RunKnowledge()
    aws.carry_run(knowledge)
    try:
        sandbox_ctx = aws.sandbox_context(sandbox.url, "us-east-1")
        nobody = aws.no_access_context("us-east-1")
        assert identity_of(sandbox_ctx) != identity_of(nobody)
        assert sandbox_ctx.reads.answers is not nobody.reads.answers
        assert set(knowledge.reads) == {identity_of(sandbox_ctx), identity_of(nobody)}
    finally:
        aws.carry_run(None)
