"""A permission set's tags, listed, added and removed as Identity Center does (sandbox process only).

moto keeps the ``Tags`` given to ``sso-admin:CreatePermissionSet`` but answers none of
``ListTagsForResource``, ``TagResource`` and ``UntagResource``. The runbook tags the permission
sets it creates, and its teardown reads those tags to tell them from a set made by hand when its
ledger is lost; a person can remove a tag by hand. So the sandbox answers the three calls over
moto's own record of the permission set.
"""

from __future__ import annotations

import json
from typing import Any


def add_permission_set_tags() -> None:
    """Give moto's sso-admin the three tag calls; called once at server start."""
    from moto.ssoadmin.responses import SSOAdminResponse

    SSOAdminResponse.list_tags_for_resource = list_tags_for_resource
    SSOAdminResponse.tag_resource = tag_resource
    SSOAdminResponse.untag_resource = untag_resource


def tagged_permission_set(response: Any) -> Any:
    """Return moto's permission set the request's ``ResourceArn`` names (with its tags list set).

    Raises:
        moto's ssoadmin ``ResourceNotFoundException``: when the instance has no such permission set.
    """
    permission_set = response.ssoadmin_backend._find_permission_set(
        response._get_param("InstanceArn"), response._get_param("ResourceArn"))
    if permission_set.tags is None:
        permission_set.tags = []
    return permission_set


def list_tags_for_resource(self: Any) -> str:
    """Answer ``ListTagsForResource``: the permission set's tags, as AWS lists them."""
    return json.dumps({"Tags": list(tagged_permission_set(self).tags)})


def tag_resource(self: Any) -> str:
    """Answer ``TagResource``: add or replace the tags given, by key."""
    permission_set = tagged_permission_set(self)
    given = {tag["Key"]: tag["Value"] for tag in self._get_param("Tags") or []}
    permission_set.tags = [tag for tag in permission_set.tags if tag["Key"] not in given]
    permission_set.tags += [{"Key": key, "Value": value} for key, value in given.items()]
    return "{}"


def untag_resource(self: Any) -> str:
    """Answer ``UntagResource``: remove the tags of the keys given."""
    permission_set = tagged_permission_set(self)
    removed = set(self._get_param("TagKeys") or [])
    permission_set.tags = [tag for tag in permission_set.tags if tag["Key"] not in removed]
    return "{}"
