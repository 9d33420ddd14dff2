"""Tests for runbook_lib.awsconfig.sections: the sections `aws configure sso` writes, validated."""

from __future__ import annotations

import pytest
from awsconfig_examples import START_URL, admin_profile, my_session

from runbook_lib.awsconfig import (
    SsoProfile,
    SsoSession,
    build_sso_profile,
    build_sso_session,
    section_address,
)
from runbook_lib.awsconfig.sections import read_section_address
from runbook_lib.errors import InputError, RunbookError


def test_build_sso_profile_and_session_strip_and_normalise() -> None:
    profile = build_sso_profile(
        profile_name=" admin ",
        sso_session="my-sso ",
        account_id=" 012345678901",
        role_name="AdministratorAccess ",
        region=" eu-west-1",
        output=" yaml",
    )
    assert profile == SsoProfile("admin", "my-sso", "012345678901", "AdministratorAccess", "eu-west-1", "yaml")
    session = build_sso_session(
        name="my-sso", start_url="https://D-1234567890.awsapps.com/start/#/", sso_region="eu-west-1"
    )
    assert session == SsoSession("my-sso", START_URL, "eu-west-1", "sso:account:access")
    assert profile.section == "profile admin" and session.section == "sso-session my-sso"
    assert admin_profile(profile_name="default").section == "default"


def test_sections_have_stable_addresses() -> None:
    assert admin_profile().address == "aws_config_profile.admin" == section_address("profile", "admin")
    assert my_session().address == "aws_config_sso_session.my-sso"
    assert admin_profile(profile_name="default").address == "aws_config_profile.default"
    # Names may hold dots; only the first one separates the type.
    assert read_section_address("aws_config_profile.team.admin@corp") == ("profile", "team.admin@corp")
    assert read_section_address(my_session().address) == ("sso-session", "my-sso")
    for address in ("sso_permission_set.DeveloperAccess", "aws_config_profile.", "aws_config_profile"):
        with pytest.raises(RunbookError, match="not the address of an AWS CLI config section"):
            read_section_address(address)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("profile_name", "my profile"),
        ("profile_name", "[admin]"),
        ("profile_name", ""),
        ("sso_session", "my sso"),
        ("sso_session", 7),
        ("account_id", "12345678901"),
        ("account_id", 123456789012),
        ("role_name", "Admin Access"),
        ("role_name", "A" * 33),
        ("role_name", "Admin\n[default]"),
        ("region", "us-east-9"),
        ("output", "xml"),
    ],
)
def test_build_sso_profile_refuses_a_bad_field_by_name(field: str, value: object) -> None:
    with pytest.raises(InputError) as caught:
        admin_profile(**{field: value})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("argument", "value", "field"),
    [
        ("name", "my sso", "sso_session"),
        ("name", "sso=1", "sso_session"),
        ("start_url", "http://d-1234567890.awsapps.com/start", "start_url"),
        ("start_url", "https://example.com/start", "start_url"),
        ("sso_region", "mars-1", "sso_region"),
        ("registration_scopes", "", "registration_scopes"),
        ("registration_scopes", "sso:account:access\nx = y", "registration_scopes"),
    ],
)
def test_build_sso_session_refuses_a_bad_field_by_name(argument: str, value: object, field: str) -> None:
    with pytest.raises(InputError) as caught:
        my_session(**{argument: value})
    assert caught.value.field == field


def test_dual_stack_portal_url_and_sso_region_must_agree() -> None:
    url = "https://ssoins-1234567890abcdef.portal.eu-west-1.app.aws"
    assert my_session(start_url=url, sso_region="eu-west-1").start_url == url
    with pytest.raises(InputError) as caught:
        my_session(start_url=url, sso_region="us-east-1")
    assert caught.value.field == "sso_region"
