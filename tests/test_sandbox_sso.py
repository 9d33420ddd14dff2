"""Tests for the sandbox's sso-oidc and SSO portal API, through boto3 as any tool would call AWS.

The device flow by hand (register, start, poll, approve, token), its errors as botocore's modelled
exceptions (pending, slow down, expired, denied), the portal's answers from the real assignments
(directly and through a group) and the credentials' identity in STS, and the refusals AWS makes.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import botocore.exceptions
import pytest

from runbook_lib.errors import SandboxError
from runbook_lib.sandbox import SandboxClient
from sso_setup import ACCOUNT_ID, DEVICE_CODE_GRANT, REGION, IdentityCenterPeople, set_up_people


@pytest.fixture
def people(sandbox: SandboxClient) -> IdentityCenterPeople:
    """Return Identity Center with dev, builder and visitor, on a brand-new sandbox account."""
    return set_up_people(sandbox)


@pytest.fixture
def oidc(people: IdentityCenterPeople) -> Any:
    """Return an unsigned sso-oidc client on the sandbox."""
    return people.client("sso-oidc", signed=False)


@pytest.fixture
def portal(people: IdentityCenterPeople) -> Any:
    """Return an unsigned SSO portal (sso) client on the sandbox."""
    return people.client("sso", signed=False)


def register(oidc: Any, **extra: Any) -> dict[str, Any]:
    """Register a public client with the CLI's scope."""
    return oidc.register_client(clientName="tests", clientType="public", **({"scopes": ["sso:account:access"]} | extra))


def start(oidc: Any, client: dict[str, Any], start_url: str) -> dict[str, Any]:
    """Start a device authorization for the client."""
    return oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=start_url
    )


def poll(oidc: Any, client: dict[str, Any], device: dict[str, Any]) -> dict[str, Any]:
    """Poll CreateToken once with the device code."""
    return oidc.create_token(
        clientId=client["clientId"], clientSecret=client["clientSecret"],
        grantType=DEVICE_CODE_GRANT, deviceCode=device["deviceCode"],
    )


def credentials_of(portal: Any, token: str, role: str) -> dict[str, Any]:
    """Return GetRoleCredentials' roleCredentials for the role on the account."""
    return portal.get_role_credentials(accessToken=token, accountId=ACCOUNT_ID, roleName=role)["roleCredentials"]


def caller_arn(people: IdentityCenterPeople, credentials: dict[str, Any]) -> str:
    """Return sts:GetCallerIdentity's ARN for these credentials."""
    import boto3

    sts = boto3.client(
        "sts", endpoint_url=people.sandbox.url, region_name=REGION,
        aws_access_key_id=credentials["accessKeyId"], aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials["sessionToken"],
    )
    return sts.get_caller_identity()["Arn"]


def error_of(caught: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, int]:
    """Return (error code, HTTP status) of a botocore ClientError."""
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# --- RegisterClient and StartDeviceAuthorization -------------------------------------------------


def test_register_client_answers_an_id_a_secret_and_90_days(oidc: Any) -> None:
    before = int(time.time())
    client = register(oidc)
    assert client["clientId"] and len(client["clientSecret"]) > 64
    assert before <= client["clientIdIssuedAt"] <= int(time.time())
    assert client["clientSecretExpiresAt"] - client["clientIdIssuedAt"] == 90 * 24 * 3600


def test_only_public_clients_are_registered(oidc: Any) -> None:
    with pytest.raises(oidc.exceptions.InvalidClientMetadataException):
        oidc.register_client(clientName="tests", clientType="confidential")


def test_start_device_authorization_answers_codes_and_the_sandbox_page(
    people: IdentityCenterPeople, oidc: Any
) -> None:
    device = start(oidc, register(oidc), people.start_url)
    assert re.fullmatch(r"[B-DF-HJ-NP-TV-XZ]{4}-[B-DF-HJ-NP-TV-XZ]{4}", device["userCode"])
    assert device["verificationUri"] == f"{people.sandbox.url}/_sandbox/device"
    assert device["verificationUriComplete"] == f"{people.sandbox.url}/_sandbox/device?user_code={device['userCode']}"
    assert (device["expiresIn"], device["interval"]) == (600, 1)
    assert len(device["deviceCode"]) > 32


@pytest.mark.parametrize(
    "form",
    [
        "https://{store}.awsapps.com/start",
        "https://{store}.awsapps.com/start/",
        "https://{store}.awsapps.com/start#/",
        "https://{instance}.portal.us-east-1.app.aws",
        "https://{instance}.portal.us-east-1.app.aws/start/",
        "HTTPS://{store}.AWSAPPS.COM/start",
    ],
)
def test_portal_url_forms_are_accepted(people: IdentityCenterPeople, oidc: Any, form: str) -> None:
    url = form.format(store=people.identity_store_id, instance=people.instance_id)
    assert start(oidc, register(oidc), url)["userCode"]


@pytest.mark.parametrize(
    "form",
    [
        "https://d-0000000000.awsapps.com/start",
        "https://{store}.awsapps.com/other",
        "https://{instance}.portal.eu-west-1.app.aws",
        "https://ssoins-0000000000000000.portal.us-east-1.app.aws",
        "http://{store}.awsapps.com/start",
    ],
)
def test_another_start_url_is_invalid_request(people: IdentityCenterPeople, oidc: Any, form: str) -> None:
    url = form.format(store=people.identity_store_id, instance=people.instance_id)
    with pytest.raises(oidc.exceptions.InvalidRequestException) as caught:
        start(oidc, register(oidc), url)
    assert error_of(caught) == ("InvalidRequestException", 400)
    assert caught.value.response["error"] == "invalid_request"
    assert caught.value.response["error_description"] == "Invalid start URL"


def test_no_start_url_is_valid_before_identity_center_is_enabled(sandbox: SandboxClient) -> None:
    probe = IdentityCenterPeople(sandbox, "", "d-0000000000", {}, {})
    oidc = probe.client("sso-oidc", signed=False)
    with pytest.raises(oidc.exceptions.InvalidRequestException):
        start(oidc, register(oidc), probe.start_url)


def test_wrong_client_secret_is_invalid_client(people: IdentityCenterPeople, oidc: Any) -> None:
    client = register(oidc)
    with pytest.raises(oidc.exceptions.InvalidClientException) as caught:
        start(oidc, {**client, "clientSecret": "not-the-secret"}, people.start_url)
    assert error_of(caught) == ("InvalidClientException", 401)


# --- CreateToken: the whole flow and its errors --------------------------------------------------


def test_whole_device_flow_by_hand(people: IdentityCenterPeople, oidc: Any, portal: Any) -> None:
    client = register(oidc)
    device = start(oidc, client, people.start_url)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        poll(oidc, client, device)

    done = people.sandbox.approve_device(device["userCode"], "dev")
    assert done == f"dev signed in to the access portal and allowed the request {device['userCode']}."
    time.sleep(1.05)  # the interval AWS asked for
    token = poll(oidc, client, device)
    assert token["tokenType"] == "Bearer" and token["expiresIn"] == 3600
    assert token["accessToken"] and token["refreshToken"]

    accounts = portal.list_accounts(accessToken=token["accessToken"])["accountList"]
    assert accounts == [{"accountId": ACCOUNT_ID, "accountName": "master", "emailAddress": "master@example.com"}]
    roles = portal.list_account_roles(accessToken=token["accessToken"], accountId=ACCOUNT_ID)["roleList"]
    assert roles == [{"roleName": "Developer", "accountId": ACCOUNT_ID}]

    credentials = credentials_of(portal, token["accessToken"], "Developer")
    assert credentials["accessKeyId"].startswith("ASIA")
    assert abs(credentials["expiration"] / 1000 - (time.time() + 3600)) < 60  # epoch milliseconds
    role = people.reserved_role_name("Developer")
    assert re.fullmatch(r"AWSReservedSSO_Developer_[0-9a-f]{16}", role)
    assert caller_arn(people, credentials) == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/dev"


def test_pending_is_the_modelled_exception_with_aws_body(
    people: IdentityCenterPeople, oidc: Any
) -> None:
    client = register(oidc)
    device = start(oidc, client, people.start_url)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException) as caught:
        poll(oidc, client, device)
    response = caught.value.response
    assert error_of(caught) == ("AuthorizationPendingException", 400)
    assert (response["error"], response["error_description"]) == ("authorization_pending", "Authorization is still pending")
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"].startswith("AuthorizationPendingException:")


def test_polling_faster_than_the_interval_is_slow_down_and_the_interval_grows(
    people: IdentityCenterPeople, oidc: Any
) -> None:
    client = register(oidc)
    device = start(oidc, client, people.start_url)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        poll(oidc, client, device)
    with pytest.raises(oidc.exceptions.SlowDownException) as caught:
        poll(oidc, client, device)
    assert caught.value.response["error"] == "slow_down"
    time.sleep(1.05)  # the first interval has passed, but it is 6 seconds now
    with pytest.raises(oidc.exceptions.SlowDownException):
        poll(oidc, client, device)


def test_code_expires(people: IdentityCenterPeople, oidc: Any) -> None:
    people.sandbox.configure_sign_in(device_code_seconds=1)
    client = register(oidc)
    device = start(oidc, client, people.start_url)
    assert device["expiresIn"] == 1
    time.sleep(1.05)
    with pytest.raises(oidc.exceptions.ExpiredTokenException) as caught:
        poll(oidc, client, device)
    assert caught.value.response["error"] == "expired_token"
    with pytest.raises(SandboxError, match=f"The code {device['userCode']} has expired"):
        people.sandbox.approve_device(device["userCode"], "dev")


def test_denied_request_is_access_denied(people: IdentityCenterPeople, oidc: Any) -> None:
    people.sandbox.configure_sign_in(interval_seconds=0)
    client = register(oidc)
    device = start(oidc, client, people.start_url)
    done = people.sandbox.approve_device(device["userCode"], "dev", deny=True)
    assert "denied the request" in done
    for _ in range(2):  # it stays denied
        with pytest.raises(oidc.exceptions.AccessDeniedException) as caught:
            poll(oidc, client, device)
        assert caught.value.response["error"] == "access_denied"


def test_device_code_is_redeemed_once(people: IdentityCenterPeople, oidc: Any) -> None:
    people.sandbox.configure_sign_in(interval_seconds=0)
    client = register(oidc)
    device = start(oidc, client, people.start_url)
    people.sandbox.approve_device(device["userCode"], "dev")
    assert poll(oidc, client, device)["accessToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        poll(oidc, client, device)


def test_another_clients_device_code_is_invalid_grant(people: IdentityCenterPeople, oidc: Any) -> None:
    device = start(oidc, register(oidc), people.start_url)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        poll(oidc, register(oidc), device)


def test_unsupported_grant_type(people: IdentityCenterPeople, oidc: Any) -> None:
    client = register(oidc)
    with pytest.raises(oidc.exceptions.UnsupportedGrantTypeException):
        oidc.create_token(clientId=client["clientId"], clientSecret=client["clientSecret"], grantType="password")


def test_refresh_token_renews_the_access_token_once(people: IdentityCenterPeople, oidc: Any, portal: Any) -> None:
    first = people.sign_in("dev")
    renewed = oidc.create_token(
        clientId=first["clientId"], clientSecret=first["clientSecret"],
        grantType="refresh_token", refreshToken=first["refreshToken"],
    )
    assert renewed["accessToken"] != first["accessToken"] and renewed["refreshToken"] != first["refreshToken"]
    assert credentials_of(portal, renewed["accessToken"], "Developer")["accessKeyId"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):  # rotated
        oidc.create_token(
            clientId=first["clientId"], clientSecret=first["clientSecret"],
            grantType="refresh_token", refreshToken=first["refreshToken"],
        )


def test_client_without_scopes_gets_no_refresh_token(people: IdentityCenterPeople) -> None:
    token = people.sign_in("dev", scopes=())
    assert token["accessToken"] and "refreshToken" not in token


# --- approval ------------------------------------------------------------------------------------


def test_approval_is_refused_for_an_unknown_user_or_code(people: IdentityCenterPeople, oidc: Any) -> None:
    device = start(oidc, register(oidc), people.start_url)
    with pytest.raises(SandboxError, match="has no user named 'nobody'"):
        people.sandbox.approve_device(device["userCode"], "nobody")
    with pytest.raises(SandboxError, match="No sign-in request has the code 'BBBB-BBBB'"):
        people.sandbox.approve_device("BBBB-BBBB", "dev")
    with pytest.raises(SandboxError, match="needs who signs in"):
        people.sandbox.approve_device(device["userCode"], "")


def test_approval_is_refused_once_decided(people: IdentityCenterPeople, oidc: Any) -> None:
    device = start(oidc, register(oidc), people.start_url)
    people.sandbox.approve_device(device["userCode"].lower().replace("-", ""), "dev")  # typed loosely
    with pytest.raises(SandboxError, match="was already approved"):
        people.sandbox.approve_device(device["userCode"], "dev", deny=True)


def test_approval_refusal_is_http_409(people: IdentityCenterPeople) -> None:
    query = urllib.parse.urlencode({"user_code": "BBBB-BBBB", "user": "dev"})
    request = urllib.request.Request(
        f"{people.sandbox.url}/_sandbox/console/approve-device?{query}", method="POST", data=b""
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 409


def submit_device_form(device: dict[str, Any], **fields: str) -> tuple[int, str]:
    """Post the device page's form as a browser would; return the status and the page."""
    form = urllib.parse.urlencode({"user_code": device["userCode"], "decision": "allow", **fields}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(device["verificationUri"], data=form), timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode("utf-8")


def test_device_page_asks_who_signs_in_with_nobody_preselected_and_approves_as_that_user(
    people: IdentityCenterPeople, oidc: Any, portal: Any
) -> None:
    people.sandbox.configure_sign_in(interval_seconds=0)
    client = register(oidc)
    device = start(oidc, client, people.start_url)
    with urllib.request.urlopen(device["verificationUriComplete"], timeout=10) as response:
        page = response.read().decode("utf-8")
        assert response.headers["Content-Type"].startswith("text/html")
    assert device["userCode"] in page
    assert "<select" not in page and "<option" not in page  # no list of users, nobody chosen for you
    assert re.search(r"<input name='user' [^>]*required[^>]*value=''>", page)
    assert "builder" not in page and "visitor" not in page  # the identity store's users are not shown
    assert "value='allow'" in page and "value='deny'" in page

    status, done = submit_device_form(device, user="builder")
    assert status == 200 and "builder signed in to the access portal and allowed" in done
    token = poll(oidc, client, device)
    roles = portal.list_account_roles(accessToken=token["accessToken"], accountId=ACCOUNT_ID)["roleList"]
    assert roles == [{"roleName": "Builder", "accountId": ACCOUNT_ID}]


@pytest.mark.parametrize(("typed", "refusal"), [
    ("nobody", "No user named &#x27;nobody&#x27; can sign in to this portal."),
    ("  ", "Type your user name."),
])
def test_device_page_refuses_an_unknown_or_blank_user_and_the_request_stays_pending(
    people: IdentityCenterPeople, oidc: Any, portal: Any, typed: str, refusal: str
) -> None:
    people.sandbox.configure_sign_in(interval_seconds=0)
    client = register(oidc)
    device = start(oidc, client, people.start_url)
    status, page = submit_device_form(device, user=typed)
    assert status == 409 and refusal in page
    assert "name='user'" in page and device["userCode"] in page  # the form again, to type the name anew
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        poll(oidc, client, device)

    status, done = submit_device_form(device, user="dev")
    assert status == 200 and "dev signed in to the access portal and allowed" in done
    token = poll(oidc, client, device)
    assert [role["roleName"] for role in portal.list_account_roles(
        accessToken=token["accessToken"], accountId=ACCOUNT_ID)["roleList"]] == ["Developer"]


def test_device_page_deny_denies_as_the_user_typed(people: IdentityCenterPeople, oidc: Any) -> None:
    people.sandbox.configure_sign_in(interval_seconds=0)
    client = register(oidc)
    device = start(oidc, client, people.start_url)
    status, done = submit_device_form(device, user="visitor", decision="deny")
    assert status == 200 and "visitor signed in to the access portal and denied" in done
    with pytest.raises(oidc.exceptions.AccessDeniedException):
        poll(oidc, client, device)
    status, page = submit_device_form(device, user="dev")
    assert status == 409 and "This request was already denied." in page


def test_device_page_for_an_unknown_code_says_so(people: IdentityCenterPeople) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{people.sandbox.url}/_sandbox/device?user_code=BBBB-BBBB", timeout=10)
    assert caught.value.code == 409
    assert "No sign-in request has this code" in caught.value.read().decode("utf-8")


def test_device_page_without_a_code_asks_for_it(people: IdentityCenterPeople) -> None:
    with urllib.request.urlopen(f"{people.sandbox.url}/_sandbox/device", timeout=10) as response:
        assert "name='user_code'" in response.read().decode("utf-8")


# --- the portal ----------------------------------------------------------------------------------


def test_access_through_a_group(people: IdentityCenterPeople, portal: Any) -> None:
    token = people.sign_in("builder")["accessToken"]
    assert [account["accountId"] for account in portal.list_accounts(accessToken=token)["accountList"]] == [ACCOUNT_ID]
    credentials = credentials_of(portal, token, "Builder")
    role = people.reserved_role_name("Builder")
    assert caller_arn(people, credentials) == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/builder"
    assert abs(credentials["expiration"] / 1000 - (time.time() + 4 * 3600)) < 60  # the set's PT4H


def test_unassigned_user_sees_nothing_and_is_forbidden(people: IdentityCenterPeople, portal: Any) -> None:
    token = people.sign_in("visitor")["accessToken"]
    assert portal.list_accounts(accessToken=token)["accountList"] == []
    assert portal.list_account_roles(accessToken=token, accountId=ACCOUNT_ID)["roleList"] == []
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        credentials_of(portal, token, "Developer")
    assert error_of(caught) == ("ForbiddenException", 403)
    assert caught.value.response["Error"]["Message"] == "No access"


def test_role_the_user_is_not_assigned_is_forbidden(people: IdentityCenterPeople, portal: Any) -> None:
    token = people.sign_in("dev")["accessToken"]
    for role in ("Admin", "Builder", "NoSuchSet"):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            credentials_of(portal, token, role)
        assert error_of(caught) == ("ForbiddenException", 403)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        portal.get_role_credentials(accessToken=token, accountId="210987654321", roleName="Developer")
    assert error_of(caught) == ("ForbiddenException", 403)


def test_assigned_but_not_provisioned_is_forbidden_and_says_why(people: IdentityCenterPeople, portal: Any) -> None:
    people.create_permission_set("Reader", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    people.assign("Reader", people.user_ids["dev"])
    token = people.sign_in("dev")["accessToken"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        credentials_of(portal, token, "Reader")
    assert error_of(caught) == ("ForbiddenException", 403)
    assert "assigned but not provisioned" in caught.value.response["Error"]["Message"]


def test_roles_are_paged(people: IdentityCenterPeople, portal: Any) -> None:
    people.assign("Admin", people.user_ids["dev"])
    token = people.sign_in("dev")["accessToken"]
    first = portal.list_account_roles(accessToken=token, accountId=ACCOUNT_ID, maxResults=1)
    assert (first["roleList"], first["nextToken"]) == ([{"roleName": "Admin", "accountId": ACCOUNT_ID}], "1")
    pages = portal.get_paginator("list_account_roles").paginate(accessToken=token, accountId=ACCOUNT_ID, PaginationConfig={"PageSize": 1})
    assert [role["roleName"] for role in pages.build_full_result()["roleList"]] == ["Admin", "Developer"]


@pytest.mark.parametrize("operation", ["list_accounts", "list_account_roles", "get_role_credentials", "logout"])
def test_bad_token_is_unauthorized(portal: Any, operation: str) -> None:
    arguments = {
        "list_accounts": {},
        "list_account_roles": {"accountId": ACCOUNT_ID},
        "get_role_credentials": {"accountId": ACCOUNT_ID, "roleName": "Developer"},
        "logout": {},
    }[operation]
    with pytest.raises(portal.exceptions.UnauthorizedException) as caught:
        getattr(portal, operation)(accessToken="not-a-token", **arguments)
    assert error_of(caught) == ("UnauthorizedException", 401)
    assert caught.value.response["Error"]["Message"] == "Session token not found or invalid"


def test_expired_access_token_is_unauthorized(people: IdentityCenterPeople, portal: Any) -> None:
    people.sandbox.configure_sign_in(access_token_seconds=1)
    token = people.sign_in("dev")
    assert token["expiresIn"] == 1
    time.sleep(1.05)
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=token["accessToken"])


def test_token_only_counts_in_the_bearer_token_header(people: IdentityCenterPeople) -> None:
    token = people.sign_in("dev")["accessToken"]
    url = f"{people.sandbox.url}/assignment/accounts"
    with urllib.request.urlopen(urllib.request.Request(url, headers={"x-amz-sso_bearer_token": token}), timeout=10):
        pass
    look_alike = urllib.request.Request(url, headers={"x-amz-sso-bearer-token": token})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(look_alike, timeout=10)
    assert caught.value.code == 401


def test_logout_ends_the_session(people: IdentityCenterPeople, oidc: Any, portal: Any) -> None:
    token = people.sign_in("dev")
    other = people.sign_in("dev")
    portal.logout(accessToken=token["accessToken"])
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=token["accessToken"])
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(
            clientId=token["clientId"], clientSecret=token["clientSecret"],
            grantType="refresh_token", refreshToken=token["refreshToken"],
        )
    assert portal.list_accounts(accessToken=other["accessToken"])["accountList"]  # another sign-in


def test_deleted_user_is_unauthorized(people: IdentityCenterPeople, portal: Any) -> None:
    token = people.sign_in("visitor")["accessToken"]
    people.client("identitystore").delete_user(IdentityStoreId=people.identity_store_id, UserId=people.user_ids["visitor"])
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=token)


# --- settings and reset --------------------------------------------------------------------------


def test_sign_in_settings_refuse_unknown_names_and_bad_values(sandbox: SandboxClient) -> None:
    assert sandbox.configure_sign_in(interval_seconds=0)["interval_seconds"] == 0
    with pytest.raises(SandboxError, match="at least 1"):
        sandbox.configure_sign_in(device_code_seconds=0)
    with pytest.raises(SandboxError, match="Unknown sign-in setting 'lifetime'"):
        sandbox.request("POST", "sign-in/settings", lifetime="5")


def test_reset_clears_clients_codes_tokens_and_settings(
    people: IdentityCenterPeople, oidc: Any, portal: Any
) -> None:
    people.sandbox.configure_sign_in(device_code_seconds=30)
    token = people.sign_in("dev")
    client = register(oidc)
    device = start(oidc, client, people.start_url)

    people.sandbox.reset()
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=token["accessToken"])
    with pytest.raises(oidc.exceptions.InvalidClientException):
        poll(oidc, client, device)
    with pytest.raises(SandboxError, match="No sign-in request has the code"):
        people.sandbox.approve_device(device["userCode"], "dev")
    assert people.sandbox.configure_sign_in()["device_code_seconds"] == 600


def test_moto_reset_clears_tokens_too(people: IdentityCenterPeople, portal: Any) -> None:
    token = people.sign_in("dev")["accessToken"]
    request = urllib.request.Request(f"{people.sandbox.url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10):
        pass
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken=token)


def test_signed_requests_on_the_same_paths_still_reach_moto(people: IdentityCenterPeople) -> None:
    s3 = people.client("s3")  # path-style on the sandbox: GET /assignment/accounts is this object
    s3.create_bucket(Bucket="assignment")
    s3.put_object(Bucket="assignment", Key="accounts", Body=b"kept by S3")
    assert s3.get_object(Bucket="assignment", Key="accounts")["Body"].read() == b"kept by S3"
