"""What a headless run pays once, before it forks a copy of itself per notebook: papermill,
IPython and the notebooks' modules imported, botocore's data files and the runbook's service
models parsed and shared between sessions, botocore's built-in handlers registered once for
every session, the known regions listed, the notebook schema's validator compiled, the IRI
grammars nobody uses left unbuilt; and what it readies for the later copies while one runs
(``meanwhile_tasks``).

Apart from ``runner`` (which notebooks run, how, and the summary) because none of it changes
what a run does, only what each forked copy finds already done.
"""

from __future__ import annotations

import ast
import importlib
import json
import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import Any, Callable, Iterator

RUNBOOK_SERVICES = (
    "sts", "iam", "organizations", "sso-admin", "identitystore", "sso-oidc", "sso",
    "ce", "budgets", "account", "freetier", "cloudtrail", "accessanalyzer",
)
"""The services a whole run with the default parameters calls with the runbook's own credentials
(every step's report lists them): their models are parsed before the first fork, once, instead
of in the first copy that calls one and again here for the copies after it. A service not listed
(step 07's optional hardening, 04's calls as the developer's role) is parsed where it is used, as
before; ``warm_botocore_models`` still parses here what an earlier step called."""
SERVICE_MODEL_KINDS = ("service-2", "paginators-1", "endpoint-rule-set-1")
"""What a botocore client of a service reads (``waiters-2`` only when a waiter is asked for)."""


PREPARED_FOR: set[tuple[Path, ...]] = set()
"""The lists of notebooks ``prepare_in_process_run`` has prepared this process (and so its
forked copies) for."""

def prepare_in_process_run(notebooks: list[Path]) -> None:
    """Import, once, what every notebook would import again: papermill, IPython, the engine and
    the modules the notebooks' cells import at their top level.

    A forked copy of this process then starts a notebook with them loaded; an import inside an
    ``if`` (the widgets, in JupyterLab only) stays where it is. A module that fails to import is
    left for the notebook to report, as it would under a kernel.

    pandas is not imported here: a headless run with the default parameters imports none (plans,
    checks and the services catalogue are ``runbook_lib.tables``), and only 08's opt-in spending
    (``show_spending``) is a pandas frame, so importing it here (0.5 s) would save no copy anything.

    A second call for the same notebooks returns at once: the runner's ``main`` warms up while
    the sandbox answers, and ``run_runbook`` (which tests call directly) warms up in case nobody
    did. Other notebooks (a test's own) are prepared for as the first were.
    """
    if tuple(notebooks) in PREPARED_FOR:
        return
    PREPARED_FOR.add(tuple(notebooks))
    defer_iri_grammars()
    defer_kernel_client()
    import papermill  # noqa: F401  (the point is the import)

    from runbook_lib import engine

    engine.warm_up_shell()
    share_botocore_data()
    share_builtin_handlers()
    parse_service_models(RUNBOOK_SERVICES)
    list_known_regions()
    compile_notebook_schemas(notebooks)
    for name in imported_modules(notebooks):
        try:
            importlib.import_module(name)
        except ImportError:  # not a module (a function imported from one), or missing
            continue


BOTOCORE_DATA = ("endpoints", "partitions", "sdk-default-configuration")
"""What every botocore session reads before its first client; ``endpoints`` is a 1.2 MB JSON file."""


def share_botocore_data() -> None:
    """Give every botocore session of this process (and its forked copies) one data loader, with
    the files every session reads already parsed.

    Each step makes sessions of its own (and step 06 one per profile), and each new session
    parses botocore's data files again: 0.1 s a session for ``endpoints.json`` alone. The files
    are botocore's installed data, the same for every session; a loader is already shared by all
    the clients of one session, and sharing it between sessions with the same data path changes
    nothing else (a session with another ``data_path`` gets a loader of its own). A loader made
    outside a session (``botocore.loaders.create_loader``, as ``validate.account.known_regions``
    makes one) is the shared one too.
    """
    import botocore.loaders
    import botocore.session

    loaders: dict[str | None, botocore.loaders.Loader] = {}
    create_loader = getattr(botocore.loaders.create_loader, "unshared", botocore.loaders.create_loader)

    def create_shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = create_loader(search_path_string)
        return loaders[search_path_string]

    create_shared_loader.unshared = create_loader  # type: ignore[attr-defined]  (called twice: no loop)

    botocore.session.create_loader = create_shared_loader  # what Session._register_data_loader calls
    botocore.loaders.create_loader = create_shared_loader  # what validate.account.known_regions calls
    loader = create_shared_loader(None)
    for name in BOTOCORE_DATA:
        loader.load_data_with_path(name)


def share_builtin_handlers() -> None:
    """Give each new botocore session of this process a copy of botocore's built-in event
    handlers, registered once, instead of registering them one by one again.

    A session registers about 170 handlers when it is made, each name checked and aliased: 7 ms
    of the 10 ms a ``boto3.Session`` takes, and a headless run makes about 17 sessions (each
    step's context, 06's profiles, 04's role), the tests thousands. A client already starts from
    a copy of its session's handlers (``HierarchicalEmitter.__copy__``); this copies them for a
    session too. botocore's list of built-in handlers is compared each time: should anything
    add to it (moto's mock does), the next session registers them one by one and is copied from.
    A session given handlers of its own (``event_hooks``) registers as before.
    """
    import copy

    import botocore.handlers
    import botocore.hooks
    import botocore.session

    session_class = botocore.session.Session
    register_each = getattr(session_class._register_builtin_handlers, "unshared", session_class._register_builtin_handlers)
    registered: list[Any] = []  # [botocore's list as registered, an emitter holding just those]

    def is_fresh(emitter: Any) -> bool:
        return (type(emitter) is botocore.hooks.HierarchicalEmitter and not emitter._unique_id_handlers
                and not emitter._handlers._root["children"])

    def register_copies(session: Any, events: Any) -> None:
        emitter = session._original_handler
        if not is_fresh(emitter):
            register_each(session, events)
            return
        if registered and registered[0] == botocore.handlers.BUILTIN_HANDLERS:
            emitter._handlers = copy.copy(registered[1]._handlers)
            emitter._unique_id_handlers = copy.copy(registered[1]._unique_id_handlers)
            return
        register_each(session, events)
        registered[:] = [list(botocore.handlers.BUILTIN_HANDLERS), copy.copy(emitter)]

    register_copies.unshared = register_each  # type: ignore[attr-defined]  (called twice: no loop)
    session_class._register_builtin_handlers = register_copies
    # Registered here, once: made first in each forked copy, a session registered them one by
    # one again there (checking each handler's signature: 40 to 90 ms a notebook).
    botocore.session.Session()


def warm_botocore_models(reports: list[dict[str, Any]]) -> None:
    """Parse, in this process, the models of the services earlier steps called, so that the next
    forked copy finds them parsed (``share_botocore_data`` must have run; a model parsed already
    is not parsed again: the loader keeps what it read)."""
    parse_service_models(sorted({str(call).split(":")[0] for report in reports for call in report.get("calls", [])}))


def prepare_next_context(knowledge: Any) -> None:
    """Make, in this process, the sandbox context the next forked copy's notebook will ask for:
    at the endpoint and region the last notebook's acted on (``aws.RunKnowledge.sandbox``), with
    a client for each of ``RUNBOOK_SERVICES``; once for the run, unless the endpoint or region
    changes. Before the first notebook nothing is known, and nothing is prepared."""
    from runbook_lib import aws

    if knowledge is None or knowledge.sandbox is None or knowledge.sandbox in aws.PREPARED_SANDBOX_CONTEXTS:
        return
    aws.PREPARED_SANDBOX_CONTEXTS.clear()
    aws.prepare_sandbox_context(*knowledge.sandbox, services=RUNBOOK_SERVICES)


def meanwhile_tasks(loaded: dict[str, Any]) -> Iterator[Callable[[], None]]:
    """Yield, one small task at a time, what this process can make ready while a forked copy
    runs a notebook, for the copies after it, on a sandbox run: the sandbox context the run's
    notebooks will most likely ask for, then the models of the services step 04 will call as
    the developer's role (its sandbox-only probes for the services chosen: the parameters', else
    the sandbox example's).

    Done before the next fork, each was work on the run's path: the context 60 ms before the
    second notebook, the probes' models 80 ms inside step 04. While a copy runs, this process
    and its core are otherwise idle (the copy and the sandbox take turns on the other). Both
    are guesses; a wrong one costs only its cpu: ``prepare_next_context`` still makes the
    context the last notebook used, and a copy parses a model nobody parsed for it.
    """
    from runbook_lib import aws, catalogue, forms
    from runbook_lib.errors import RunbookError
    from runbook_lib.sandbox import SANDBOX_URL_VARIABLE
    from runbook_lib.steps.developer_user import sandbox_call_probes
    from runbook_lib.target import SANDBOX, resolve_settings

    endpoint = os.environ.get(SANDBOX_URL_VARIABLE, "")
    if loaded.get("target", SANDBOX) != SANDBOX or not endpoint:
        return

    def prepare_likely_context() -> None:
        region = resolve_settings(target=SANDBOX, region=str(loaded.get("region") or "")).region
        aws.prepare_sandbox_context(endpoint, region, services=RUNBOOK_SERVICES)

    yield prepare_likely_context
    try:
        chosen = catalogue.validate_services(loaded.get("services") or forms.SANDBOX_EXAMPLES["services"])
    except RunbookError:  # 04 will refuse them, naming the field; nothing to ready
        return
    must_succeed, must_be_denied = sandbox_call_probes(chosen)
    for service in sorted({probe.service for probe in must_succeed + must_be_denied} - set(RUNBOOK_SERVICES)):
        yield lambda service=service: parse_service_models([service])


def parse_service_models(services: tuple[str, ...] | list[str]) -> None:
    """Parse the models of ``services`` with the shared loader (``share_botocore_data``)."""
    import botocore.exceptions
    import botocore.session

    loader = botocore.session.create_loader(None)
    for service in services:
        for kind in SERVICE_MODEL_KINDS:
            try:
                loader.load_service_model(service, kind)
            except botocore.exceptions.DataNotFoundError:
                continue


def list_known_regions() -> None:
    """List the known regions once, here: every step checks its region against them
    (``validate.account.known_regions``, cached per process), and each forked copy would list
    them again (before the loader was shared, parsing ``endpoints.json`` anew: 80 ms a copy)."""
    from runbook_lib.validate.account import known_regions

    known_regions()


def compile_notebook_schemas(notebooks: list[Path]) -> None:
    """Compile, once, the nbformat schema validator of the notebooks' format versions.

    papermill validates every notebook it reads and writes; nbformat compiles its validator
    (fastjsonschema turns the schema into Python code) on the first validation in a process and
    keeps it. Compiled in each forked copy, that was 60 ms a notebook, 0.6 s of a run's cpu.
    """
    import nbformat.validator

    versions = set()
    for notebook in notebooks:
        header = json.loads(notebook.read_text(encoding="utf-8"))
        versions.add((header.get("nbformat", 4), header.get("nbformat_minor", 0)))
    for version, minor in sorted(versions):
        nbformat.validator.get_validator(version=version, version_minor=minor)


def imported_modules(notebooks: list[Path]) -> list[str]:
    """Return the modules the notebooks' code cells import at their top level, in order."""
    names: dict[str, None] = {}
    for notebook in notebooks:
        # The JSON alone: nbformat would validate every notebook against its schema first, and
        # papermill reads (and validates) each again when it runs it.
        for cell in json.loads(notebook.read_text(encoding="utf-8")).get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            try:
                statements = ast.parse(source if isinstance(source, str) else "".join(source)).body
            except SyntaxError:  # IPython syntax (magics); its imports stay in the notebook
                continue
            for statement in statements:
                if isinstance(statement, ast.Import):
                    names.update(dict.fromkeys(alias.name for alias in statement.names))
                elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                    names[statement.module] = None
                    # ``from package import module`` imports a submodule; names that are not are skipped
                    names.update(dict.fromkeys(f"{statement.module}.{alias.name}" for alias in statement.names))
    return list(names)


def defer_iri_grammars() -> None:
    """Make ``rfc3987_syntax`` load when an IRI is first checked, not when jsonschema is imported.

    nbformat imports jsonschema, whose format checkers import ``rfc3987_syntax``, which builds
    its Lark grammars at import: 0.8 s of every headless run, for a format ("iri") that no
    notebook schema uses. jsonschema takes one function from it, ``is_valid_syntax``. Nothing
    changes where it is already imported or not installed.
    """
    if "rfc3987_syntax" in sys.modules or importlib.util.find_spec("rfc3987_syntax") is None:
        return
    defer_import("rfc3987_syntax", called=("is_valid_syntax",))


def defer_kernel_client() -> None:
    """Make papermill's kernel client (``papermill.clientwrap``: nbclient, jupyter_client, ZeroMQ)
    load when a notebook first runs in a kernel, not when papermill is imported.

    An in-process run never starts a kernel, and importing the client is 0.1-0.2 s of every
    headless run. papermill's engines module takes one name from it, ``PapermillNotebookClient``,
    which it only calls (``NBClientEngine``). Nothing changes where papermill is already imported.
    """
    if "papermill.engines" in sys.modules or "papermill.clientwrap" in sys.modules:
        return
    defer_import("papermill.clientwrap", called=("PapermillNotebookClient",))


def defer_import(module_name: str, *, called: tuple[str, ...]) -> None:
    """Put a stand-in for ``module_name`` in ``sys.modules`` that imports the real module on first use.

    The names in ``called`` are what importers take from the module with ``from ... import``
    and only call: the stand-in's are functions that import the real module and call its name.
    Any other attribute asked of the stand-in imports the real module and answers from it.

    Args:
        module_name: The module to defer (not yet imported).
        called: The names importers take from it and call.
    """
    stand_in = types.ModuleType(module_name, "Imported on first use (runbook_lib.warm_up.defer_import).")

    def load() -> types.ModuleType:
        if sys.modules.get(module_name) is stand_in:
            del sys.modules[module_name]
        return importlib.import_module(module_name)

    def calling(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(load(), name)(*args, **kwargs)
        call.__name__ = name
        return call

    def forward(name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and the like: not a use
            raise AttributeError(name)
        return getattr(load(), name)

    for name in called:
        setattr(stand_in, name, calling(name))
    stand_in.__getattr__ = forward  # type: ignore[attr-defined]
    sys.modules[module_name] = stand_in
