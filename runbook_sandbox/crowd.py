"""A crowded account: many identity-store users and permission sets, made in moto's backends.

The lookup tests and ``make bench`` ask how the runbook's reads grow with the account (10 users
or 10,000, 2 permission sets or 200). Made over HTTP, 10,000 users take 10,000 signed requests
(a minute and more on a small machine); made here, in the server's own process, they take a
fraction of a second. The users and permission sets are the same ones ``CreateUser`` and
``CreatePermissionSet`` would make (moto's own methods are called), none of them the runbook's:
users ``learner-00000``..., permission sets ``Team000``....

``POST /_sandbox/crowd?users=N&permission_sets=M[&region=R]`` (``runbook_sandbox.server``) calls
``crowd_account``. Identity Center must be enabled in the region (its console step played).
"""

from __future__ import annotations

from typing import Any

MAX_USERS = 50_000
MAX_PERMISSION_SETS = 2_000
"""The most one request makes (AWS's quotas: 50,000 users a store, 2,000 permission sets an instance)."""


class CrowdRefused(ValueError):
    """Raised when the account cannot be crowded: no instance yet, or a count out of range."""


def crowd_account(account_id: str, region: str, *, users: int, permission_sets: int) -> dict[str, Any]:
    """Add ``users`` users and ``permission_sets`` permission sets to the account's Identity Center.

    Returns:
        What was made: ``{"users": N, "permission_sets": M, "identity_store_id": ..., "instance_arn": ...}``.

    Raises:
        CrowdRefused: when a count is out of range or Identity Center has no instance in ``region``.
    """
    from moto.identitystore.models import identitystore_backends
    from moto.ssoadmin.models import ssoadmin_backends

    if not 0 <= users <= MAX_USERS or not 0 <= permission_sets <= MAX_PERMISSION_SETS:
        raise CrowdRefused(f"users must be 0..{MAX_USERS} and permission_sets 0..{MAX_PERMISSION_SETS}")
    instances = ssoadmin_backends[account_id][region].instances
    if not instances:
        raise CrowdRefused(f"IAM Identity Center has no instance in {region}: play enable-identity-center first")
    instance = instances[0]
    add_users(identitystore_backends[account_id][region], instance.identity_store_id, users)
    sso_admin = ssoadmin_backends[account_id][region]
    for number in range(permission_sets):
        sso_admin.create_permission_set(  # keywords: the sandbox's AWS rules wrap it (a taken name is refused)
            name=f"Team{number:03d}", description="", instance_arn=instance.instance_arn,
            session_duration="PT1H", relay_state="", tags=[],
        )
    return {
        "users": users, "permission_sets": permission_sets,
        "identity_store_id": instance.identity_store_id, "instance_arn": instance.instance_arn,
    }


def add_users(backend: Any, identity_store_id: str, count: int) -> None:
    """Add ``count`` users to the store, as ``CreateUser`` would (moto's ``User`` objects, ids
    from moto's random stream), with their names checked free once.

    moto's ``create_user`` compares each new user with every user already there (10,000 users:
    50 million comparisons, 19 s); these names are checked against the store's once, as a set.

    Raises:
        CrowdRefused: when the store already has a ``learner-NNNNN`` user.
    """
    from moto.identitystore.models import Name, User
    from moto.moto_api._internal import mock_random

    backend.list_users(identity_store_id, [])  # moto makes the store on first use, as CreateUser would
    store = backend.identity_stores[identity_store_id]
    names = [f"learner-{number:05d}" for number in range(count)]
    taken = {user.UserName for user in store.users.values()}.intersection(names)
    if taken:
        raise CrowdRefused(f"the identity store already has {sorted(taken)[0]}: reset the sandbox first")
    for number, user_name in enumerate(names):
        user_id = str(mock_random.uuid4())
        store.users[user_id] = User(
            user_id, identity_store_id, user_name, Name.from_dict({"GivenName": "Learner", "FamilyName": str(number)}),
            f"Learner {number}", "", "", [{"Value": f"learner-{number}@example.com", "Type": "work", "Primary": True}],
            [], [], "", "", "", "", "",
        )
