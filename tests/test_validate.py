"""Tests for runbook_lib.validate: good values come back normalised, bad ones name the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runbook_lib import validate
from runbook_lib.errors import InputError, ProfileNotFoundError

# Each validator with the field name it reports by default.
VALIDATORS: list[tuple[Callable[..., object], str]] = [
    (validate.validate_region, "region"),
    (validate.validate_email, "email"),
    (validate.validate_user_name, "user_name"),
    (validate.validate_account_id, "account_id"),
    (validate.validate_portal_url, "portal_url"),
    (validate.validate_profile_name, "profile"),
    (validate.validate_target, "target"),
    (validate.validate_permission_set_name, "permission_set_name"),
    (validate.validate_session_duration_hours, "session_duration_hours"),
    (validate.iso_duration_to_hours, "session_duration"),
]
# A value every validator above refuses.
BAD_FOR_ALL = None


def assert_refused(
    func: Callable[..., object], value: object, field: str, *, rule_contains: str = ""
) -> InputError:
    """Call ``func`` with ``value`` and a custom field name; check the error names it."""
    with pytest.raises(InputError) as caught:
        func(value, field=field)
    error = caught.value
    assert error.field == field
    assert error.value == value
    assert str(error).startswith(f"{field}: ")
    assert error.rule and error.rule in str(error)
    assert rule_contains in error.rule
    return error


@pytest.mark.parametrize(("func", "default_field"), VALIDATORS)
def test_default_field_name_is_reported(func: Callable[..., object], default_field: str) -> None:
    with pytest.raises(InputError) as caught:
        func(BAD_FOR_ALL)
    assert caught.value.field == default_field
    assert str(caught.value).startswith(f"{default_field}: None is not valid: ")


@pytest.mark.parametrize(("func", "default_field"), VALIDATORS)
def test_custom_field_name_is_carried_through(
    func: Callable[..., object], default_field: str
) -> None:
    error = assert_refused(func, BAD_FOR_ALL, "my_custom_field")
    assert default_field + ":" not in str(error)


# --- region ---------------------------------------------------------------------------------


def test_known_regions_come_from_every_partition() -> None:
    regions = validate.known_regions()
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= regions
    assert "us-east-9" not in regions
    assert validate.known_regions() is regions  # cached


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("us-east-1", "us-east-1"),
        ("  eu-central-1\n", "eu-central-1"),
        ("cn-north-1", "cn-north-1"),
    ],
)
def test_region_accepted(given: str, expected: str) -> None:
    assert validate.validate_region(given) == expected


@pytest.mark.parametrize(
    ("given", "suggestion"),
    [
        ("us-east-9", "did you mean 'us-east-1'?"),
        ("US-EAST-1", "did you mean 'us-east-1'?"),
        ("useast1", "did you mean 'us-east-1'?"),
        ("eu-westt-1", "did you mean 'eu-west-1'?"),
        ("", "(known regions: af-south-1"),
        ("mars", "(known regions: af-south-1"),
        (1, "must be text (a quoted string)"),
    ],
)
def test_region_refused(given: object, suggestion: str) -> None:
    error = assert_refused(validate.validate_region, given, "home_region", rule_contains=suggestion)
    assert "us-east-1" in error.rule
    if not suggestion.startswith("did you mean"):
        assert "did you mean" not in error.rule  # nothing is close to these


def test_region_refused_lists_known_regions_and_no_suggestion_when_nothing_is_close() -> None:
    error = assert_refused(
        validate.validate_region, "zzzzzzzz", "region", rule_contains="known regions:"
    )
    assert "did you mean" not in error.rule
    assert "ap-southeast-2" in error.rule


# --- email ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("you@example.com", "you@example.com"),
        (" First.Last+aws@mail.example.co.uk ", "First.Last+aws@mail.example.co.uk"),
        ("o'brien_1@sub-domain.example.org", "o'brien_1@sub-domain.example.org"),
        ("a@b.io", "a@b.io"),
        ("x" * (128 - len("@example.com")) + "@example.com", "x" * 116 + "@example.com"),
    ],
)
def test_email_accepted(given: str, expected: str) -> None:
    assert validate.validate_email(given) == expected


@pytest.mark.parametrize(
    ("given", "rule_part"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("you.example.com", "exactly one @"),
        ("you@@example.com", "exactly one @"),
        ("a@b@example.com", "exactly one @"),
        ("@example.com", "before the @"),
        ("you @example.com", "no spaces"),
        ("you@exa mple.com", "no spaces"),
        ("you@example", "at least one dot"),
        ("you@example.c", "two or more letters"),
        ("you@example.c0m", "two or more letters"),
        ("you@example..com", "letters, digits and hyphens"),
        ("you@-example.com", "letters, digits and hyphens"),
        ("you@exam_ple.com", "letters, digits and hyphens"),
        ("you@.example.com", "letters, digits and hyphens"),
        (".you@example.com", "no dot at either end"),
        ("you.@example.com", "no dot at either end"),
        ("yo..u@example.com", "no two dots"),
        ("yöu@example.com", "only letters"),
        ("you(x)@example.com", "only letters"),
        ("x" * 117 + "@example.com", "at most 128 characters"),
        (42, "quoted string"),
    ],
)
def test_email_refused(given: object, rule_part: str) -> None:
    assert_refused(validate.validate_email, given, "admin_email", rule_contains=rule_part)


# --- user name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("alex", "alex"),
        ("  alex.admin  ", "alex.admin"),
        ("alex@example.com", "alex@example.com"),
        ("José-Müller", "José-Müller"),
        ("Jose\u0301", "Jose\u0301"),  # combining accent: a mark (M)
        ("李小龍", "李小龍"),
        ("admin_2024!", "admin_2024!"),
        ("€uro$", "€uro$"),
        ("Administrators", "Administrators"),
        ("a", "a"),
        ("x" * 128, "x" * 128),
    ],
)
def test_user_name_accepted(given: str, expected: str) -> None:
    assert validate.validate_user_name(given) == expected


@pytest.mark.parametrize(
    ("given", "rule_part"),
    [
        ("", "1 to 128 characters"),
        ("   ", "1 to 128 characters"),
        ("x" * 129, "1 to 128 characters"),
        ("alex admin", "no spaces"),
        ("alex\tadmin", "no spaces"),
        ("alex\u00a0admin", "no spaces"),
        ("alex\x00", "control characters"),
        ("alex\u200b", "control characters"),  # zero-width space: a format character (Cf)
        ("a<b", "< > ; : %"),
        ("a;b", "< > ; : %"),
        ("a:b", "< > ; : %"),
        ("100%", "< > ; : %"),
        ("Administrator", "reserves"),
        ("administrator", "reserves"),
        ("AWSAdministrators", "reserves"),
        ("awsadministrators", "reserves"),
        (" ADMINISTRATOR ", "reserves"),
        (["alex"], "quoted string"),
    ],
)
def test_user_name_refused(given: object, rule_part: str) -> None:
    assert_refused(validate.validate_user_name, given, "admin_user_name", rule_contains=rule_part)


# --- account id -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("123456789012", "123456789012"),
        ("012345678901", "012345678901"),
        (" 000000000000 ", "000000000000"),
    ],
)
def test_account_id_accepted(given: str, expected: str) -> None:
    assert validate.validate_account_id(given) == expected


@pytest.mark.parametrize(
    ("given", "rule_part"),
    [
        (123456789012, "quoted string of 12 digits"),
        (12345678901, "quoted string of 12 digits"),
        (None, "quoted string of 12 digits"),
        ("", "exactly 12 digits"),
        ("12345678901", "exactly 12 digits"),
        ("1234567890123", "exactly 12 digits"),
        ("1234-5678-9012", "exactly 12 digits"),
        ("12345678901a", "exactly 12 digits"),
        # Arabic-Indic digits: str.isdigit() says yes, AWS says no.
        ("١٢٣٤٥٦٧٨٩٠١٢", "exactly 12 digits"),
    ],
)
def test_account_id_refused(given: object, rule_part: str) -> None:
    assert_refused(
        validate.validate_account_id, given, "management_account", rule_contains=rule_part
    )


# --- portal url -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://d-1234567890.awsapps.com/start", "https://d-1234567890.awsapps.com/start"),
        ("https://d-90667e1293.awsapps.com/start/", "https://d-90667e1293.awsapps.com/start"),
        ("https://d-90667e1293.awsapps.com/start#/", "https://d-90667e1293.awsapps.com/start"),
        ("https://d-90667e1293.awsapps.com/start/#/", "https://d-90667e1293.awsapps.com/start"),
        (" https://my-company.awsapps.com/start ", "https://my-company.awsapps.com/start"),
        ("HTTPS://My-Company.AWSAPPS.com/start", "https://my-company.awsapps.com/start"),
        (
            "https://ssoins-7223fd24797c3af2.portal.us-east-1.app.aws",
            "https://ssoins-7223fd24797c3af2.portal.us-east-1.app.aws",
        ),
        (
            "https://ssoins-7223fd24797c3af2.portal.eu-west-1.app.aws/",
            "https://ssoins-7223fd24797c3af2.portal.eu-west-1.app.aws",
        ),
        (
            "https://ssoins-7223fd24797c3af2.portal.us-west-2.app.aws/start/",
            "https://ssoins-7223fd24797c3af2.portal.us-west-2.app.aws/start",
        ),
    ],
)
def test_portal_url_accepted(given: str, expected: str) -> None:
    assert validate.validate_portal_url(given) == expected


@pytest.mark.parametrize(
    ("given", "rule_part"),
    [
        ("http://d-1234567890.awsapps.com/start", "must use https://"),
        ("d-1234567890.awsapps.com/start", "no https://"),
        ("https://d-123456789.awsapps.com/start", "d- followed by 10"),
        ("https://d-12345678901.awsapps.com/start", "d- followed by 10"),
        ("https://d-1234567890.awsapps.com", "access portal URL"),
        ("https://d-1234567890.awsapps.com/start/extra", "access portal URL"),
        ("https://d-1234567890.awsapps.com/start?x=1", "access portal URL"),
        ("https://d-1234567890.awsapps.com.evil.net/start", "access portal URL"),
        ("https://-bad.awsapps.com/start", "access portal URL"),
        ("https://my_company.awsapps.com/start", "access portal URL"),
        (
            "https://ssoins-7223fd24797c3af2.portal.us-east-9.app.aws",
            "region in the URL is not known",
        ),
        ("https://ssoins-7223fd24797c3af.portal.us-east-1.app.aws", "access portal URL"),
        ("https://ssoins-7223fd24797c3af2.portal.us-east-1.app.aws/other", "access portal URL"),
        ("https://console.aws.amazon.com/", "access portal URL"),
        ("", "no https://"),
        (b"https://d-1234567890.awsapps.com/start", "quoted string"),
    ],
)
def test_portal_url_refused(given: object, rule_part: str) -> None:
    assert_refused(validate.validate_portal_url, given, "start_url", rule_contains=rule_part)


def test_portal_url_bad_region_suggests_the_close_one() -> None:
    error = assert_refused(
        validate.validate_portal_url,
        "https://ssoins-7223fd24797c3af2.portal.us-east-9.app.aws",
        "start_url",
    )
    assert "did you mean 'us-east-1'?" in error.rule


# --- profile name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("default", "default"),
        ("admin", "admin"),
        (" my-admin_1.prod ", "my-admin_1.prod"),
        ("alex@example.com+admin", "alex@example.com+admin"),
        ("p" * 64, "p" * 64),
    ],
)
def test_profile_name_accepted(given: str, expected: str) -> None:
    assert validate.validate_profile_name(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "", "  ", "my admin", "[admin]", "admin#1", "a;b", "a=b",
        'a"b', "a'b", "a`b", "ädmin", "p" * 65, 7,
    ],
)
def test_profile_name_refused(given: object) -> None:
    assert_refused(
        validate.validate_profile_name, given, "cli_profile", rule_contains="1 to 64 characters"
    )


# --- profile exists -------------------------------------------------------------------------


def test_profile_exists_with_explicit_list() -> None:
    assert validate.validate_profile_exists(" admin ", available=["default", "admin"]) == "admin"


def test_profile_missing_from_explicit_list() -> None:
    with pytest.raises(ProfileNotFoundError) as caught:
        validate.validate_profile_exists("admin", available=["default", "sandbox"])
    assert caught.value.field == "profile"
    assert "profiles found: default, sandbox" in str(caught.value)


def test_profile_missing_keeps_custom_field_name() -> None:
    with pytest.raises(ProfileNotFoundError) as caught:
        validate.validate_profile_exists("admin", field="cli_profile", available=iter(()))
    assert caught.value.field == "cli_profile"
    assert str(caught.value).startswith("cli_profile: 'admin' is not valid: ")
    assert "profiles found: none" in str(caught.value)


def test_profile_exists_checks_the_name_before_looking() -> None:
    with pytest.raises(InputError) as caught:
        validate.validate_profile_exists("my admin", available=["my admin"])
    assert not isinstance(caught.value, ProfileNotFoundError)


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Point botocore at temporary config and credentials files with known profiles."""
    config = tmp_path / "config"
    config.write_text(
        "[default]\nregion = us-east-1\n\n"
        "[profile admin]\nsso_session = mine\nsso_account_id = 123456789012\n\n"
        "[sso-session mine]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text("[legacy-keys]\naws_access_key_id = AKIAEXAMPLE\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_PROFILE", raising=False)
    return config, credentials


@pytest.mark.parametrize("name", ["default", "admin", "legacy-keys"])
def test_profile_exists_in_the_real_files(aws_files: tuple[Path, Path], name: str) -> None:
    assert validate.validate_profile_exists(name) == name


@pytest.mark.parametrize("name", ["mine", "sandbox", "Admin"])
def test_profile_missing_from_the_real_files(aws_files: tuple[Path, Path], name: str) -> None:
    with pytest.raises(ProfileNotFoundError) as caught:
        validate.validate_profile_exists(name)
    assert "profiles found: admin, default, legacy-keys" in str(caught.value)


def test_profile_added_to_the_file_is_found(aws_files: tuple[Path, Path]) -> None:
    config, _ = aws_files
    with pytest.raises(ProfileNotFoundError):
        validate.validate_profile_exists("later")
    config.write_text(config.read_text() + "\n[profile later]\nregion = eu-west-1\n")
    assert validate.validate_profile_exists("later") == "later"


def test_unparsable_config_file_is_an_input_error(aws_files: tuple[Path, Path]) -> None:
    config, _ = aws_files
    config.write_text("[profile admin\nregion = us-east-1\n")
    error = assert_refused(validate.validate_profile_exists, "admin", "cli_profile")
    assert not isinstance(error, ProfileNotFoundError)
    assert "config file is not valid" in error.rule


# --- target ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("sandbox", "sandbox"), (" profile ", "profile"), ("environment", "environment"), ("none", "none")],
)
def test_target_accepted(given: str, expected: str) -> None:
    assert validate.validate_target(given) == expected


@pytest.mark.parametrize("given", ["", "aws", "Sandbox", "prod", 0, "None", "env", "cloudshell"])
def test_target_refused(given: object) -> None:
    assert_refused(validate.validate_target, given, "run_against", rule_contains="'sandbox'")


def test_a_refused_target_lists_every_target_with_what_it_means() -> None:
    error = assert_refused(validate.validate_target, "aws", "target")
    for target in ("'sandbox' (", "'profile' (", "'environment' (", " or 'none' (no AWS access yet"):
        assert target in error.rule
    assert "CloudShell" in error.rule


# --- permission set name --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("AdministratorAccess", "AdministratorAccess"),
        (" Admin_4h ", "Admin_4h"),
        ("a+b=c,d.e@f-g", "a+b=c,d.e@f-g"),
        ("P" * 32, "P" * 32),
    ],
)
def test_permission_set_name_accepted(given: str, expected: str) -> None:
    assert validate.validate_permission_set_name(given) == expected


@pytest.mark.parametrize(
    "given", ["", "Admin Access", "Admin/Access", "Admin:Access", "Ädmin", "P" * 33, None]
)
def test_permission_set_name_refused(given: object) -> None:
    assert_refused(
        validate.validate_permission_set_name, given, "ps_name", rule_contains="1 to 32 characters"
    )


# --- session duration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"), [(1, "PT1H"), (4, "PT4H"), (12, "PT12H"), (8.0, "PT8H")]
)
def test_session_duration_hours_accepted(given: object, expected: str) -> None:
    assert validate.validate_session_duration_hours(given) == expected


@pytest.mark.parametrize(
    ("given", "rule_part"),
    [
        (0, "from 1 to 12"),
        (13, "from 1 to 12"),
        (-1, "from 1 to 12"),
        (12.0000001, "fractions"),
        (1.5, "fractions"),
        (True, "given as a number"),
        (False, "given as a number"),
        ("4", "given as a number"),
        (None, "given as a number"),
    ],
)
def test_session_duration_hours_refused(given: object, rule_part: str) -> None:
    assert_refused(
        validate.validate_session_duration_hours, given, "hours", rule_contains=rule_part
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [("PT1H", 1), ("PT4H", 4), (" PT12H ", 12), ("PT60M", 1), ("PT1H60M", 2), ("PT7200S", 2)],
)
def test_iso_duration_to_hours(given: str, expected: int) -> None:
    assert validate.iso_duration_to_hours(given) == expected


@pytest.mark.parametrize(
    "given", ["", "PT", "4", "4H", "P1D", "PT1H30M", "PT90M", "pt4h", "PT4.5H", "PT4H ago", 4]
)
def test_iso_duration_to_hours_refused(given: object) -> None:
    assert_refused(validate.iso_duration_to_hours, given, "duration", rule_contains="whole hours")


@pytest.mark.parametrize("hours", range(1, 13))
def test_session_duration_round_trips(hours: int) -> None:
    assert validate.iso_duration_to_hours(validate.validate_session_duration_hours(hours)) == hours
