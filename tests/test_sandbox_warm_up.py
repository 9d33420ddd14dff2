"""The sandbox builds moto's apps for the runbook's services once it listens, not on their first call."""

from __future__ import annotations

import pytest

from runbook_sandbox import server


@pytest.fixture(scope="module")
def app() -> server.SandboxApp:
    return server.build_app()


def test_the_warm_up_builds_each_services_app_once_and_skips_one_moto_cannot_import(app):
    dispatcher = app.moto_app
    server.warm_up(app, ["sts", "lambda", "apigateway"])
    built = dict(dispatcher.app_instances)
    assert {"sts", "lambda"} <= set(built)
    assert "apigateway" not in built  # its backend needs openapi_spec_validator, not installed here
    server.warm_up(app, ["sts", "lambda"])
    assert all(dispatcher.app_instances[name] is built[name] for name in ("sts", "lambda"))  # not built again


def test_a_service_moto_cannot_import_is_tried_once_not_on_every_call(app):
    with pytest.raises(ImportError) as first:
        app.moto_app.create_app("cloudformation")
    with pytest.raises(ImportError) as second:
        app.moto_app.create_app("cloudformation")
    assert second.value is first.value  # the same failure, remembered: no second import


def test_the_warm_up_prepares_the_routes_the_access_control_reads_for_rest_services(app):
    from moto.core.routing import get_service_router

    get_service_router.cache_clear()
    server.warm_up(app, ["lambda", "sts"])
    assert get_service_router.cache_info().currsize == 1  # Lambda is REST; STS (query) needs no routes
    assert server.WARMED_SERVICES[:3] == ("sts", "organizations", "sso-admin")  # 00's first calls come first
    assert "ec2" not in server.WARMED_SERVICES  # 1 s to build; the runbook's EC2 calls are the sandbox's own


def test_after_the_warm_up_a_rest_services_first_call_builds_no_routes(app, monkeypatch):
    """moto builds a REST service's routes on its router's first match, not when the router is
    made: the warm-up must ask for a match, or Lambda's first call waits 0.1 s for its routes."""
    from moto.core import routing
    from werkzeug.test import EnvironBuilder

    from runbook_sandbox import calls

    routing.get_service_router.cache_clear()
    server.warm_up(app, ["lambda"])
    built = []
    original_init = routing.RestRouter.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(routing.RestRouter, "__init__", counting_init)
    environ = EnvironBuilder(method="GET", path="/2015-03-31/functions/").get_environ()
    assert calls.match_rest_route(calls.model_name("lambda"), environ)[0] == "ListFunctions"
    assert built == []  # the warm-up built them
    routing.get_service_router.cache_clear()
    assert calls.match_rest_route(calls.model_name("lambda"), environ)[0] == "ListFunctions"
    assert len(built) == 1  # the count sees a build when one happens


def test_the_sandbox_says_when_its_warm_up_is_done_even_after_a_failure(app, monkeypatch):
    monkeypatch.setattr(server, "WARMED_UP", server.threading.Event())

    def failing_warm_up(app):
        raise RuntimeError("a service failed to build")

    monkeypatch.setattr(server, "warm_up", failing_warm_up)
    with pytest.raises(RuntimeError):
        server.warm_up_then_say_so(app)
    assert server.WARMED_UP.is_set()  # a benchmark waiting on it is not left waiting


def test_a_running_sandbox_answers_that_it_is_warmed_up(sandbox):
    import time

    deadline = time.monotonic() + 60
    while not sandbox.warmed_up():
        assert time.monotonic() < deadline, "the sandbox's warm-up never finished"
        time.sleep(0.05)
