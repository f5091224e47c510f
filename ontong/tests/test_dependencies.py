"""Issue 16 item 7: what the code imports is declared in pyproject.toml, and what is declared is
used (imported, or named in the settings as an app, middleware, backend or formatter)."""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ONTONG = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ONTONG.parent / "pyproject.toml").read_text(encoding="utf-8"))
# Declared, used, but never named in our code.
USED_UNNAMED = {"psycopg": "Django's PostgreSQL backend imports it (DATABASE_URL=postgres://…)"}


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    return {normal(re.split(r"[^A-Za-z0-9._-]", r, maxsplit=1)[0]) for r in requirements}


def third_party_imports(paths) -> set[str]:
    tops: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                tops.add(node.module.split(".")[0])
    return {top for top in tops if top not in sys.stdlib_module_names and top != "ontong"}


def distributions(import_names: set[str]) -> set[str]:
    """The installed distributions that provide these modules (local helpers have none)."""
    provided = importlib.metadata.packages_distributions()
    return {normal(dist) for name in import_names for dist in provided.get(name, [])}


def modules_named_in_settings() -> set[str]:
    tree = ast.parse((ONTONG / "settings.py").read_text(encoding="utf-8"))
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    return {s.split(".")[0] for s in strings if isinstance(s, str) and re.fullmatch(r"[\w.]+", s)}


RUNTIME = [p for p in ONTONG.rglob("*.py") if "tests" not in p.parts]
TESTS = [p for p in ONTONG.rglob("*.py") if "tests" in p.parts] + [ONTONG.parent / "conftest.py"]
DECLARED = requirement_names(PYPROJECT["project"]["dependencies"])
DEV = requirement_names(PYPROJECT["project"]["optional-dependencies"]["dev"])
# Imported only when its setting is on (ONTONG_MEDIA_S3_BUCKET), installed with `ontong[s3]`.
S3 = requirement_names(PYPROJECT["project"]["optional-dependencies"]["s3"])


def test_every_runtime_import_is_declared():
    imported = distributions(third_party_imports(RUNTIME))
    assert {"django", "scipy", "joblib", "prometheus-client"} <= imported  # the walk saw them
    assert imported - DECLARED - S3 == set()


def test_every_test_import_is_declared_for_development():
    assert distributions(third_party_imports(TESTS)) - DECLARED - DEV == set()
    assert S3 <= DEV  # the s3 extra is installed for the tests that exercise it


def test_every_declared_dependency_is_used():
    used = distributions(third_party_imports(RUNTIME + TESTS) | modules_named_in_settings())
    assert DECLARED - used - set(USED_UNNAMED) == set()
