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
