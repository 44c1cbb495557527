"""Cell helpers for the instructor's tools, in one place (as nbgrader keeps its own in utils):
what a cell is, and which names a test cell reads."""
import ast
import builtins

TRUSTED_NAMES = {"course", "profile"}  # the grader sets these itself; a test never takes them from the kernel


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell):
    return nbgrader(cell).get("grade_id")


def is_test(cell) -> bool:
    """An autograded test cell: graded, not an answer, code."""
    meta = nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def is_answer(cell) -> bool:
    """A code cell the student writes (an nbgrader solution cell)."""
    return bool(nbgrader(cell).get("solution")) and cell.get("cell_type") == "code"


def answer_before(cells, index: int):
    """The answer cell nearest before cell `index` (the one a test cell checks), or None."""
    for cell in reversed(cells[:index]):
        if is_answer(cell):
            return cell
    return None


def python_source(source: str) -> str:
    """Cell source without IPython magics and shell escapes, so that `ast` can parse it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def bound_names(source: str) -> set:
    """Every name the code binds anywhere (assignments, imports, definitions, loop and `as` targets)."""
    tree = ast.parse(python_source(source))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
    return found


def defined_names(source: str) -> set:
    """The names a cell leaves defined for later cells: module-level assignments (loops and blocks
    included, function bodies not), functions and classes; loop variables and imports left out."""
    found = set()

    def targets(node):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element)
        elif isinstance(node, ast.Starred):
            targets(node.value)

    def visit(statements):
        for node in statements:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    targets(target)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets(node.target)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            for field in ("body", "orelse", "finalbody", "handlers"):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                    visit([n for n in getattr(node, field, []) if isinstance(n, ast.AST)])

    visit(ast.parse(python_source(source)).body)
    return found


def free_names(source: str) -> set:
    """Names the code reads but never binds, builtins aside: what it takes from earlier cells."""
    tree = ast.parse(python_source(source))
    read = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return read - bound_names(source) - set(dir(builtins))


def needs(test_source: str) -> list:
    """The student's values a test cell reads: its free names but those the grader provides."""
    return sorted(free_names(test_source) - TRUSTED_NAMES)
