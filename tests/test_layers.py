"""The module structure of docs/ARCHITECTURE.md: every top-level module has a layer in the import-linter
contracts of pyproject.toml, and no reviewdesk module takes part in an import cycle.

Covers pyproject.toml's import-linter contracts and the module tree (not one module).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
PACKAGE = Path(__file__).resolve().parents[1] / "desktop" / "reviewdesk"


def contracts() -> list[dict]:
    with open(PYPROJECT, "rb") as fh:
        return tomllib.load(fh)["tool"]["importlinter"]["contracts"]


def top_level_modules() -> set[str]:
    names = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    names |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    return {f"reviewdesk.{name}" for name in names}


def layered_modules() -> set[str]:
    (layers,) = [c for c in contracts() if c["type"] == "layers" and not c.get("containers")]
    return {name.strip() for layer in layers["layers"] for name in layer.replace(":", "|").split("|")}


def test_every_top_level_module_has_a_layer() -> None:
    missing = top_level_modules() - layered_modules()
    assert not missing, f"give these a layer in pyproject.toml and a line in docs/ARCHITECTURE.md: {missing}"


def test_every_command_line_module_has_a_layer() -> None:
    (contract,) = [c for c in contracts() if c.get("containers") == ["reviewdesk.cli"]]
    layered = {name.strip() for layer in contract["layers"] for name in layer.replace(":", "|").split("|")}
    modules = {p.stem for p in (PACKAGE / "cli").glob("*.py") if p.stem != "__init__"}
    assert modules - layered == set(), "give these a layer in the reviewdesk.cli contract of pyproject.toml"
    assert layered - modules == set(), "the reviewdesk.cli contract names modules that do not exist"


def test_every_module_outside_the_window_is_kept_from_qt() -> None:
    (qt,) = [c for c in contracts() if c["name"].startswith("Qt only")]
    assert not qt.get("allow_indirect_imports", False)
    window = {"reviewdesk.ui", "reviewdesk.app", "reviewdesk.selftest"}
    assert set(qt["source_modules"]) == top_level_modules() - window


def cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(name)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.d", imported="a.b")
    assert cycles(graph) == [{"a.b", "a.c"}]


def test_no_import_cycles_among_reviewdesk_modules() -> None:
    graph = grimp.build_graph("reviewdesk")  # lazy imports inside functions count too
    assert cycles(graph) == []


def test_comments_cite_docs_in_the_repository() -> None:
    """Code cites docs/ in this repository, never a file outside it, and every docs/ file it names exists."""
    import re

    root = PYPROJECT.parent
    outside = re.compile(r"shared/reference|reference/00\d_")
    cited = re.compile(r"docs/([A-Z_]+\.md)")
    problems = []
    for folder in ("desktop", "tests", "bench", "packaging"):
        for path in sorted((root / folder).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8")
            if outside.search(text):
                problems.append(f"{path.relative_to(root)} cites a file outside the repository")
            problems += [
                f"{path.relative_to(root)} cites docs/{name}, which does not exist"
                for name in cited.findall(text)
                if not (root / "docs" / name).is_file()
            ]
    assert not problems, problems
