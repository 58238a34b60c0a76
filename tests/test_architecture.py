"""The house rules of the package: floors that import only downward, small modules, one of each job.

Floors (lowest first). A module may import its own folder and any lower floor, never a higher one;
``advisor/__init__.py`` (the public API) and ``__main__`` may import anything.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "advisor"
FLOORS = {
    "errors": 0,
    "knowledge": 1,
    "wording": 2, "files": 2,
    "reasoning": 3,
    "interview": 4, "outputs": 4, "batch": 4, "scenarios": 4,
    "web": 5,  # the site and the HTTP API
    "cli": 6,  # the command line, which also starts the site (``advisor serve``)
}
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_data" not in p.parts)


def room(module: str) -> str | None:
    """The floor key of a dotted module name inside the package (``advisor.reasoning.verdict`` → reasoning)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "advisor" else None


def dotted(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every ``advisor…`` module this file imports (relative imports resolved, lazy imports included)."""
    here = dotted(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("advisor"):
                found.add(target)
                found |= {f"{target}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("advisor")}
    known = {dotted(p) for p in modules()}
    return {m for m in found if m in known}


def test_no_module_imports_a_higher_floor() -> None:
    wrong = []
    for path in modules():
        source = room(dotted(path))
        if source not in FLOORS:
            continue  # advisor/__init__.py, __main__.py: the public API composes every floor
        for target in imports(path):
            dest = room(target)
            if dest in FLOORS and dest != source and FLOORS[dest] >= FLOORS[source]:
                wrong.append(f"{dotted(path)} → {target}")
    assert not wrong, "imports that go up or sideways between floors:\n" + "\n".join(wrong)


def test_no_import_cycle_inside_the_package() -> None:
    graph = {dotted(p): imports(p) - {dotted(p)} for p in modules()}
    # A package's __init__ re-exporting its modules is not a cycle of jobs: only module → module edges count.
    graph = {m: {t for t in targets if not (PACKAGE / Path(*t.split(".")[1:]) / "__init__.py").exists()}
             for m, targets in graph.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle.extend(trail[trail.index(nxt):] + [node, nxt] if nxt in trail else [node, nxt])
                return True
            if state.get(nxt) is None and visit(nxt, trail + [node]):
                return True
        state[node] = 2
        return False

    for module in sorted(graph):
        if state.get(module) is None and visit(module, []):
            break
    assert not cycle, "import cycle: " + " → ".join(cycle)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_every_floor_says_what_it_may_import() -> None:
    for folder in (p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))) or ""
        assert "import" in doc, f"{folder.name}/__init__.py must say what the floor may import"


def test_no_renderer_imports_the_engine() -> None:
    for path in modules():
        if room(dotted(path)) in ("outputs", "cli", "web"):
            assert not any(t.startswith(("advisor.reasoning.engine", "advisor.reasoning.evaluator"))
                           for t in imports(path)), dotted(path)


def grep(pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [f"{p.relative_to(PACKAGE)}:{n}" for p in modules()
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if regex.search(line)]


def test_one_atomic_writer() -> None:
    # The knowledge-base cache writes its own file: the knowledge floor cannot import files.py.
    assert {h.split(":")[0] for h in grep(r"mkstemp\(|os\.replace\(")} == {"files.py", str(Path("knowledge/cache.py"))}


def test_one_number_phrasing() -> None:
    assert [h.split(":")[0] for h in grep(r'replace\(",", "\\u202f"\)')] == ["wording.py"]


def test_one_jinja_environment() -> None:
    assert [h.split(":")[0] for h in grep(r"\bEnvironment\(")] == [str(Path("outputs/render.py"))]
