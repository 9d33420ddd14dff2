"""The sandbox context a headless run's parent prepares before forking a notebook's process: handed
out once, untouched, and joined to what the run carries (``aws.prepare_sandbox_context``)."""

from __future__ import annotations

import pytest

from runbook_lib import aws
from runbook_lib.aws_memo import identity_of
from runbook_lib.warm_up import RUNBOOK_SERVICES, prepare_next_context

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def nothing_prepared_or_carried():
    aws.PREPARED_SANDBOX_CONTEXTS.clear()
    yield
    aws.PREPARED_SANDBOX_CONTEXTS.clear()
    aws.carry_run(None)


def test_a_prepared_context_is_handed_out_once_with_its_clients_and_only_where_it_was_prepared(sandbox):
    aws.prepare_sandbox_context(sandbox.url, REGION, ["sts", "iam"])
    prepared = aws.PREPARED_SANDBOX_CONTEXTS[(sandbox.url, REGION)]

    assert aws.sandbox_context(sandbox.url, "eu-west-1") is not prepared  # another region: made anew
    first = aws.sandbox_context(sandbox.url, REGION)
    assert first is prepared and set(first._clients) == {"sts", "iam"}
    assert first.recorder.calls == [] and first.reads.answers == {}
    assert aws.sandbox_context(sandbox.url, REGION) is not first  # handed out once
    first.client("iam").get_account_summary()
    assert [str(call) for call in first.recorder.calls] == ["iam:GetAccountSummary"]


def test_a_prepared_context_joins_the_run_it_is_handed_out_in(sandbox):
    aws.prepare_sandbox_context(sandbox.url, REGION, ["sts"])  # in the runner, before any run is carried
    knowledge = aws.RunKnowledge(permission_sets={"instance": {"AdministratorAccess": "arn"}})
    aws.carry_run(knowledge)  # in the notebook's process
    context = aws.sandbox_context(sandbox.url, REGION)
    assert context.permission_set_arns is knowledge.permission_sets
    assert context.reads.answers is knowledge.reads[identity_of(context)] and context.reads.held
    assert knowledge.sandbox == (sandbox.url, REGION)  # what the runner prepares for the next notebook


def test_the_runner_prepares_where_the_last_notebook_acted_and_once_for_the_run(sandbox):
    prepare_next_context(None)  # before the first notebook: nothing is known
    prepare_next_context(aws.RunKnowledge())  # a notebook with no sandbox context
    assert aws.PREPARED_SANDBOX_CONTEXTS == {}

    knowledge = aws.RunKnowledge(sandbox=(sandbox.url, REGION))
    prepare_next_context(knowledge)
    prepared = aws.PREPARED_SANDBOX_CONTEXTS[(sandbox.url, REGION)]
    assert set(prepared._clients) == set(RUNBOOK_SERVICES)
    prepare_next_context(knowledge)
    assert aws.PREPARED_SANDBOX_CONTEXTS[(sandbox.url, REGION)] is prepared  # not made again

    prepare_next_context(aws.RunKnowledge(sandbox=(sandbox.url, "eu-west-1")))
    assert list(aws.PREPARED_SANDBOX_CONTEXTS) == [(sandbox.url, "eu-west-1")]


def test_while_the_first_notebook_runs_the_run_readies_the_likely_context_and_the_role_probes_models(sandbox, monkeypatch):
    import boto3
    import botocore.loaders

    from runbook_lib.sandbox import SANDBOX_URL_VARIABLE
    from runbook_lib.warm_up import meanwhile_tasks

    monkeypatch.setenv(SANDBOX_URL_VARIABLE, sandbox.url)
    tasks = meanwhile_tasks({"target": "sandbox"})
    next(tasks)()  # the context first: the second notebook asks for it
    prepared = aws.PREPARED_SANDBOX_CONTEXTS[(sandbox.url, REGION)]
    assert not prepared.recorder.calls
    prepare_next_context(aws.RunKnowledge(sandbox=(sandbox.url, REGION)))  # the first notebook acted there
    assert aws.PREPARED_SANDBOX_CONTEXTS[(sandbox.url, REGION)] is prepared, "the guess was right: not made again"

    for task in tasks:
        task()
    read: list[str] = []
    load_file = botocore.loaders.JSONFileLoader.load_file

    def reading(self, path):  # a file that is there, read and parsed (a missing "extras" file is None)
        found = load_file(self, path)
        if found is not None:
            read.append(str(path))
        return found

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", reading)
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name=REGION)
    for service in ("s3", "lambda", "logs", "dynamodb", "apigateway"):  # 04's probes as the role, the example's services
        session.client(service, endpoint_url=sandbox.url)
    assert read == [], "the probes' models were parsed already, while the first notebook ran"
    assert list(meanwhile_tasks({"target": "profile"})) == [], "no sandbox: no context to guess, no role to probe"
    assert len(list(meanwhile_tasks({"target": "sandbox", "services": ["nope"]}))) == 1, "04 will refuse them: the context only"
