"""The package's layers: dependencies point down to `shared`, never back up, never in circles."""
import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "ftcourse"
# what each role may import from the course's own package
ALLOWED = {
    "shared": {"shared"},
    "student": {"shared", "student"},
    "quiz": {"shared", "quiz"},
    "lessons": {"shared", "student", "lessons"},
    "runner": {"shared", "student", "runner"},
    "instructor": {"shared", "student", "lessons", "instructor", "quiz"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set:
    """The ftcourse modules that `path` imports (relative imports resolved), anywhere in the file."""
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ftcourse")}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if target.startswith("ftcourse"):
                modules = {f"{target}.{a.name}" for a in node.names if module_file(f"{target}.{a.name}")}
                found |= modules
                if len(modules) < len(node.names):  # names defined in `target` itself
                    found.add(target)
    return found


def module_file(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def graph() -> dict:
    return {module_name(p): imports(p) for p in PACKAGE.rglob("*.py")}


def role(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else "top"


def test_roles_import_only_what_lies_below_them():
    wrong = {m: sorted(t for t in targets if role(t) not in ALLOWED[role(m)] and role(t) != "top")
             for m, targets in graph().items() if role(m) in ALLOWED}
    assert {m: t for m, t in wrong.items() if t} == {}


def test_nothing_outside_the_instructor_imports_it():
    users = {m for m, targets in graph().items() if role(m) not in ("instructor", "top")
             and any(role(t) == "instructor" for t in targets)}
    assert users == set()


def test_no_import_cycles():
    found = graph()
    edges = {m: {t for t in targets if t in found and t != m} for m, targets in found.items()}
    state, cycles = {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_check_sees_a_backward_import(tmp_path):
    planted = PACKAGE / "shared" / "_planted_for_test.py"
    planted.write_text("from ..instructor import grade\n")
    try:
        assert "ftcourse.instructor.grade" in graph()["ftcourse.shared._planted_for_test"]
        assert role("ftcourse.instructor.grade") not in ALLOWED["shared"]
    finally:
        planted.unlink()
