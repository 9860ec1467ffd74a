"""The synthetic room's import rules, read from the source: the docstring of
``gridsvc/synthetic/__init__.py`` promises them and nothing else (no import-linter run) enforces them.
"""

from __future__ import annotations

import ast
from pathlib import Path

GRIDSVC = Path(__file__).resolve().parents[2] / "gridsvc"
SYNTHETIC = GRIDSVC / "synthetic"
# The rooms allowed to import demo data: the demo loader itself.
ALLOWED_USERS = (SYNTHETIC, GRIDSVC / "demo")


def _module(path: Path) -> str:
    parts = path.relative_to(GRIDSVC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) for every import in ``path``, relative ones made absolute."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = node.module or ""
            if node.level:
                module = ".".join([*base, *([module] if module else [])])
            found.append((module, [alias.name for alias in node.names]))
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_synthetic_room_imports_only_itself_and_geo_of_gridsvc():
    bad = [
        (path.name, module)
        for path in SYNTHETIC.glob("*.py")
        for module, _ in _imports(path)
        if _within(module, "gridsvc")
        and not (_within(module, "gridsvc.synthetic") or _within(module, "gridsvc.geo"))
    ]
    assert bad == []


def test_no_synthetic_module_imports_another_ones_private_names():
    bad = [
        (path.name, module, name)
        for path in SYNTHETIC.glob("*.py")
        for module, names in _imports(path)
        if _within(module, "gridsvc.synthetic")
        for name in names
        if name.startswith("_")
    ]
    assert bad == []


def test_production_rooms_never_import_the_synthetic_room():
    users = [
        (str(path.relative_to(GRIDSVC)), module)
        for path in GRIDSVC.rglob("*.py")
        if not any(path.is_relative_to(room) for room in ALLOWED_USERS)
        for module, names in _imports(path)
        if _within(module, "gridsvc.synthetic") or (module == "gridsvc" and "synthetic" in names)
    ]
    assert users == []


def test_the_checks_see_real_imports():
    # Guards the three tests above against passing because the parser found nothing.
    layers = dict(_imports(SYNTHETIC / "layers.py"))
    assert "perturb_boundaries" in layers["gridsvc.synthetic.perturbing"]
    demo = [m for m, _ in _imports(GRIDSVC / "demo" / "boundaries.py")]
    assert "gridsvc.synthetic" in demo
