"""The layout is the architecture: imports run one way, and the two halves of the web layer stay apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "callflows", "commands", "config", "models", "reports", "runtime", "simulator", "web", "workers")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, by its full dotted name (``from a import b`` counts ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py")) if (ROOT / folder).is_dir() else [ROOT / f"{folder}.py"]


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources(folder)
        for name in sorted(imports_of(path))
        if name.split(".")[0] in forbidden or any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("callflows", ("flask", "sqlalchemy", "twilio", "rq", "redis", "models", "workers", "web", "runtime")),
        ("config", ("flask", "models", "workers", "web", "runtime")),
        ("models", ("flask", "twilio", "web", "workers", "runtime")),
        ("runtime", ("web", "workers.dialling")),
        ("workers", ("web",)),
        ("commands", ("web",)),
        ("reports", ("web",)),
        ("simulator", ("web", "models", "workers")),
        ("web/phone", ("web.office",)),
        ("web/office", ("web.phone",)),
    ],
)
def test_imports_run_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(folder, forbidden) == []


def test_every_web_package_is_a_real_package() -> None:
    for folder in ("web", "web/phone", "web/office", "web/phone/actions", "runtime"):
        assert (ROOT / folder / "__init__.py").is_file(), folder


def test_phone_blueprints_never_open_a_cookie_session(app) -> None:
    from web import phone

    prefixes = {rule.rule.rsplit("/", 1)[0] + "/" for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0]
                in {bp.name for bp in phone.BLUEPRINTS}}  # fmt: skip
    assert prefixes and all(prefix.startswith(phone.SESSIONLESS_PREFIXES) for prefix in prefixes)
    assert "/live/" in phone.SESSIONLESS_PREFIXES and "/notify/voice/" in phone.SESSIONLESS_PREFIXES


def runtime_imports_of(path: Path) -> set[str]:
    """The modules a file imports when it runs (imports under ``if TYPE_CHECKING:`` left out)."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_settings_and_logs_lean_only_on_stdlib_modules_of_the_project() -> None:
    import sys

    project = {
        name
        for path in sources("config")
        for name in runtime_imports_of(path)
        if name.split(".")[0] in PACKAGES and not name.startswith("config")
    }
    assert project == {"callflows.hours", "callflows.masking"}
    for name in project:
        outside = {
            found
            for found in runtime_imports_of(ROOT / (name.replace(".", "/") + ".py"))
            if found.split(".")[0] not in sys.stdlib_module_names and found != "__future__"
        }
        assert outside == set(), name
