"""Every problem and finding code the service can raise, collected from the source itself.

Used by the catalogue tests: a code added anywhere without Chinese text fails them.

Where codes come from:
- the ``code`` of every :class:`~gridsvc.errors.DomainError` subclass (imported, then walked);
- ``errors.HTTP_CODES``;
- in the source (AST, every module but the demo and the synthetic data): a ``code=`` keyword, a
  ``"code": …`` dict member, a class attribute or a variable named ``code``, and the arguments
  of the helpers that take a code positionally (:data:`CODE_TAKERS`);
- codes built from a parameter (``f"{kind}.not_found"``): the values that parameter receives,
  followed through the functions that pass it on, and their defaults.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path

import gridsvc
from gridsvc.errors import HTTP_CODES, DomainError

ROOT = Path(gridsvc.__file__).resolve().parent
SKIPPED = {"demo", "synthetic"}
CODE = re.compile(r"[a-z_]+(\.[a-z_]+)+")
#: Helpers (functions, exception classes, dataclasses) that take the code as a positional argument.
CODE_TAKERS = {
    "problem",
    "problem_body",
    "fail",
    "GeoInputError",
    "Finding",
    "_problem",
    "_extent",
    "_error",
    "Refused",
    "forbidden",
}


def _sources() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(ROOT.rglob("*.py"))
        if not SKIPPED & set(path.relative_to(ROOT).parts)
    ]


def _strings(node: ast.AST) -> list[str]:
    """Code-shaped string constants in an expression (both branches of ``a if c else b``)."""
    return [
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and CODE.fullmatch(n.value)
    ]


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


@dataclass
class _Parametric:
    """A function whose code is ``f"{param}.<suffix>"``: suffixes per parameter name."""

    suffixes: dict[str, set[str]] = field(default_factory=dict)


def _param_suffixes(node: ast.AST, params: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for n in ast.walk(node):
        if isinstance(n, ast.JoinedStr) and len(n.values) == 2:
            head, tail = n.values
            if (
                isinstance(head, ast.FormattedValue)
                and isinstance(head.value, ast.Name)
                and head.value.id in params
                and isinstance(tail, ast.Constant)
                and re.fullmatch(r"(\.[a-z_]+)+", tail.value)
            ):
                found.setdefault(head.value.id, set()).add(tail.value)
    return found


def _functions(trees) -> list[ast.FunctionDef]:
    return [n for _, tree in trees for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]


def _params(fn: ast.FunctionDef) -> list[str]:
    args = fn.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def _defaults(fn: ast.FunctionDef) -> dict[str, ast.expr]:
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    out = dict(
        zip(
            [a.arg for a in positional[len(positional) - len(args.defaults) :]],
            args.defaults,
            strict=True,
        )
    )
    out.update(
        {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}
    )
    return out


def _argument(call: ast.Call, fn: ast.FunctionDef, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    if name in params and params.index(name) < len(call.args):
        return call.args[params.index(name)]
    return None


def parametric_codes(trees) -> set[str]:
    """Codes built from a parameter, with the values every caller passes (transitively)."""
    functions = _functions(trees)
    by_name: dict[str, list[ast.FunctionDef]] = {}
    for fn in functions:
        by_name.setdefault(fn.name, []).append(fn)
    # function name -> {param: suffixes}; grows as parameters are found passed on.
    parametric = {}
    for fn in functions:
        if found := _param_suffixes(fn, _params(fn)):
            parametric.setdefault(fn.name, {}).update(found)
    changed = True
    while changed:
        changed = False
        for fn in functions:
            own = _params(fn)
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                for target in by_name.get(_callee(call), []):
                    for param, suffixes in parametric.get(target.name, {}).items():
                        value = _argument(call, target, param)
                        if isinstance(value, ast.Name) and value.id in own:
                            mine = parametric.setdefault(fn.name, {}).setdefault(value.id, set())
                            if not suffixes <= mine:
                                mine |= suffixes
                                changed = True
    codes = set()
    for fn in functions:
        for param, suffixes in parametric.get(fn.name, {}).items():
            default = _defaults(fn).get(param)
            if isinstance(default, ast.Constant) and isinstance(default.value, str):
                codes |= {default.value + s for s in suffixes}
    for fn in functions:
        for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
            for target in by_name.get(_callee(call), []):
                for param, suffixes in parametric.get(target.name, {}).items():
                    value = _argument(call, target, param)
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        codes |= {value.value + s for s in suffixes}
    return codes


def literal_codes(trees) -> set[str]:
    codes: set[str] = set()
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "code":
                        codes.update(_strings(kw.value))
                if _callee(node) in CODE_TAKERS:
                    for arg in node.args[:2]:
                        codes.update(_strings(arg))
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "code" and value is not None:
                        codes.update(_strings(value))
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "code" for t in targets) and node.value:
                    codes.update(_strings(node.value))
    return codes


def domain_error_codes() -> set[str]:
    for module in pkgutil.walk_packages(gridsvc.__path__, "gridsvc."):
        if not SKIPPED & set(module.name.split(".")):
            importlib.import_module(module.name)
    codes, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        codes.add(cls.code)
        todo.extend(cls.__subclasses__())
    return codes


def every_code() -> set[str]:
    trees = _sources()
    return (
        domain_error_codes()
        | set(HTTP_CODES.values())
        | literal_codes(trees)
        | parametric_codes(trees)
    )


@dataclass(frozen=True)
class RaiseSite:
    """Where a code is raised with a detail written in the source (a literal or an f-string)."""

    where: str
    code: str
    sample: str  # the detail with every interpolated value replaced by "7"
    has_values: bool


def _sample(node: ast.expr) -> tuple[str, bool] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else "7" for v in node.values]
        return "".join(parts), any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _sample(node.left), _sample(node.right)
        if left and right:
            return left[0] + right[0], left[1] or right[1]
    if isinstance(node, ast.IfExp):
        return _sample(node.body)
    return None


def raise_sites() -> list[RaiseSite]:
    """``Error(detail, code="…")``, ``fail("code", detail)``, ``Finding("code", severity, feature,
    detail)``, ``problem(status, "code", detail)``, ``forbidden(detail, "code")``."""
    sites = []
    for path, tree in _sources():
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name, args = _callee(call), call.args
            code_kw = next((k.value for k in call.keywords if k.arg == "code"), None)
            code = detail = None
            if isinstance(code_kw, ast.Constant) and args:
                code, detail = code_kw.value, args[0]
            elif name == "problem" and len(args) > 2 and isinstance(args[1], ast.Constant):
                code, detail = args[1].value, args[2]
            elif name == "forbidden" and args:
                second = args[1] if len(args) > 1 else None
                code = second.value if isinstance(second, ast.Constant) else "auth.role_forbidden"
                detail = args[0]
            elif (
                name in CODE_TAKERS
                and args
                and _strings(args[0]) == [getattr(args[0], "value", None)]
            ):
                code = args[0].value
                position = 3 if name == "Finding" else 1
                detail = args[position] if len(args) > position else None
            sample = _sample(detail) if code and detail is not None else None
            if sample:
                where = f"{path.relative_to(ROOT)}:{call.lineno}"
                sites.append(RaiseSite(where, code, *sample))
    return sites
