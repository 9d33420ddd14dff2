"""Addresses in words: what a person reads on a button or a heading."""

from __future__ import annotations

import pytest

from runbook_lib import addresses


@pytest.mark.parametrize(("address", "title"), [
    (addresses.root_mfa_address("123456789012"), "root user MFA"),
    (addresses.root_access_keys_address("123456789012"), "root user access keys"),
    (addresses.instance_address("eu-west-1"), "IAM Identity Center (eu-west-1)"),
    ("sso_permission_set.DeveloperAccess", "permission set (DeveloperAccess)"),
    ("something_unknown.x", "something_unknown.x"),
])
def test_an_address_reads_as_words(address, title):
    assert addresses.title_of(address) == title


def test_every_kind_the_step_layer_makes_has_words():
    import ast
    import inspect

    kinds = {
        node.args[0].value
        for node in ast.walk(ast.parse(inspect.getsource(addresses)))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "address"
        and node.args and isinstance(node.args[0], ast.Constant)
    }
    assert kinds and kinds <= set(addresses.KIND_TITLES), kinds - set(addresses.KIND_TITLES)
