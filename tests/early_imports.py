"""Loaded by pytest before every other plugin (``-p early_imports`` in pyproject's addopts).

nbval's plugin imports nbformat, hence jsonschema, whose format checkers import
``rfc3987_syntax``, which builds its Lark grammars on import: about 1.3 s of cpu in the pytest
controller and in every xdist worker, before the first test, for an "iri" format no test checks.
Deferred here (``runbook_lib.warm_up.defer_iri_grammars``, as the headless runner does), they
load if an IRI is ever checked. Nothing else is imported: botocore must not be before
``conftest`` isolates the home.
"""

from runbook_lib.warm_up import defer_iri_grammars

defer_iri_grammars()
