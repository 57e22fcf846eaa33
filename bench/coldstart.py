"""Cold start: time an import in a fresh interpreter, once per subprocess.

The dev virtualenv also holds test-only packages (moto brings cryptography and PyYAML). PyJWT
and flask-smorest import those when present, which a Lambda bundle built from requirements.txt
does not contain; `runtime_only=True` hides every top-level module whose distribution is not
pinned in requirements.txt, so the figure matches the deployed bundle.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HANDLER_MODULE = "handlers.http"
BASELINE_IMPORT = "import flask, sqlalchemy, pymysql"

# The child times only the import statement (wall clock and its own CPU time); interpreter
# start-up is the same for both imports and is reported separately as the whole process.
_PROBE = """
import json, sys, time
for _name in {hidden!r}:
    sys.modules[_name] = None  # import raises ModuleNotFoundError, as if not installed
t0, c0 = time.perf_counter(), time.process_time()
{statement}
t1, c1 = time.perf_counter(), time.process_time()
figures = {{"import_s": t1 - t0, "cpu_s": c1 - c0, "first_s": None}}
figures["libraries"] = [  # installed third-party modules now loaded, in import order
    name for name, module in sys.modules.items()
    if module is not None and "site-packages" in (getattr(module, "__file__", None) or "")
]
{first_request}
print(json.dumps(figures))
"""

# After the timed import: the container's first list request, which pays for whatever the
# import left for later (mapper configuration, the first connection, lazy imports).
_FIRST_REQUEST = """
from bench.warm import lambda_list_call
_call = lambda_list_call(sys.modules[{module!r}].handler, {token!r})
t2 = time.perf_counter()
_call()
figures["first_s"] = time.perf_counter() - t2
"""


# The stack's floor: every third-party module the handler import loaded, imported alone, so no
# taskdesk code runs (no model, schema, route or create_app). A module that cannot be imported on
# its own (a lazily registered alias) is skipped.
_LIBRARIES = """
import importlib
import flask, sqlalchemy, pymysql
for _name in {libraries!r}:
    try:
        importlib.import_module(_name)
    except Exception:
        pass
"""

_HALTED = re.compile(r"import of ([\w.]+) halted; None in sys.modules")


class HiddenModuleImported(RuntimeError):
    """The child imported a module hidden as not pinned in requirements.txt; `args[0]` names it."""


@dataclass(frozen=True)
class Sample:
    """One subprocess run, in seconds: the import (wall, CPU), the whole process (wall), and
    the first list request after the import (wall; None when not asked for)."""

    import_s: float
    cpu_s: float
    process_s: float
    first_s: float | None = None
    libraries: tuple[str, ...] = ()


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions(requirements: Path = ROOT / "requirements.txt") -> set[str]:
    """Normalised names of the distributions pinned in `requirements` (`name==version` lines)."""
    names = set()
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_normalise(re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]))
    return names


def dev_only_modules() -> list[str]:
    """Top-level modules installed here whose distributions are all absent from requirements.txt."""
    runtime = runtime_distributions()
    hidden = [
        module
        for module, dists in importlib.metadata.packages_distributions().items()
        if not any(_normalise(d) in runtime for d in dists)
    ]
    return sorted(hidden)


def run_once(
    statement: str, env: Mapping[str, str], hidden: list[str] = (), first_request: str = ""
) -> Sample:
    """Run `statement` in a fresh `sys.executable` with `env` and `hidden` modules made absent,
    then `first_request` (code that sets figures["first_s"]) if given.

    Raises RuntimeError with the child's stderr if the child fails.
    """
    code = _PROBE.format(statement=statement, hidden=list(hidden), first_request=first_request)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    process_s = time.perf_counter() - started
    if done.returncode != 0:
        hidden_hit = _HALTED.search(done.stderr)
        if hidden_hit:
            raise HiddenModuleImported(hidden_hit.group(1))
        raise RuntimeError(f"`{statement}` failed in a subprocess:\n{done.stderr.strip()}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Sample(
        import_s=figures["import_s"],
        cpu_s=figures["cpu_s"],
        process_s=process_s,
        first_s=figures["first_s"],
        libraries=tuple(figures["libraries"]),
    )


@dataclass(frozen=True)
class ColdStart:
    """The runs of the three imports, and the unpinned modules the app needed (left importable).

    `libraries` imports the third-party modules that the handler import loads, without taskdesk:
    the cold start the chosen libraries cost before any of taskdesk's own code runs.
    """

    handler: list[Sample]
    baseline: list[Sample]
    libraries: list[Sample]
    unpinned: list[str]


def measure(
    env: Mapping[str, str],
    runs: int,
    module: str = HANDLER_MODULE,
    *,
    runtime_only: bool = True,
    token: str | None = None,
) -> ColdStart:
    """Time `import <module>`, BASELINE_IMPORT and the libraries alone `runs` times each,
    interleaved.

    With `token` (an access token), each handler run also times its first
    `GET /api/v1/tasks?page_size=50`. One untimed run of each first writes the bytecode caches,
    so every timed run reads .pyc files, as a deployed bundle that ships them does. A hidden
    module that the app does import is made importable again and listed in `unpinned`: the
    bundle would lack it, which the bench reports rather than dies of.
    """
    hidden = dev_only_modules() if runtime_only else []
    unpinned: list[str] = []
    handler_import = f"import {module}"
    first = _FIRST_REQUEST.format(module=module, token=token) if token else ""
    while True:
        try:
            loaded = run_once(handler_import, env, hidden, first).libraries
            break
        except HiddenModuleImported as exc:
            top = exc.args[0].split(".")[0]
            if top not in hidden:
                raise
            hidden.remove(top)
            unpinned.append(top)
    libraries_import = _LIBRARIES.format(libraries=list(loaded))
    run_once(BASELINE_IMPORT, env, hidden)
    run_once(libraries_import, env, hidden)
    result = ColdStart(handler=[], baseline=[], libraries=[], unpinned=sorted(unpinned))
    for _ in range(runs):
        result.handler.append(run_once(handler_import, env, hidden, first))
        result.baseline.append(run_once(BASELINE_IMPORT, env, hidden))
        result.libraries.append(run_once(libraries_import, env, hidden))
    return result
