"""Spotting submissions that rewire the tests instead of answering them.

A test cell runs in the kernel the student's code ran in, so a submission could replace the
course's check helpers (`checks.expect = lambda *a, **k: None`), builtins or `sys.modules` before
the tests run. Test cells re-import their helpers, which undoes redefined names, but not changed
modules. This scan reads the student's code (never runs it) and reports such changes; the grader
then fails every test of the notebook with the reason. Outcome checks (outcomes.py) recompute the
results that matter in a separate process anyway.
"""
import ast

# the modules tests rely on; library settings a student may legitimately change (torch.backends...)
# are left alone: the results that matter are recomputed outside the kernel anyway
PROTECTED_ROOTS = {"ftcourse", "builtins", "sys", "importlib", "nbgrader"}
PROTECTED_NAMES = {"__builtins__", "AssertionError"}


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def findings(source: str) -> list:
    """Lines of `source` that change a protected module or name, as 'line N: what'."""
    try:
        tree = ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                   for line in source.splitlines()))
    except SyntaxError:
        return []
    modules = set()  # names bound to protected modules in this code
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {(a.asname or a.name.split(".")[0]) for a in node.names
                        if a.name.split(".")[0] in PROTECTED_ROOTS}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PROTECTED_ROOTS:
            modules |= {a.asname or a.name for a in node.names}
    modules |= {"builtins", "sys", "__builtins__"}
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, (ast.Attribute, ast.Subscript)) and _root(target) in modules:
                found.append(f"line {node.lineno}: changes {ast.unparse(target)}")
            elif isinstance(target, ast.Name) and target.id in PROTECTED_NAMES:
                found.append(f"line {node.lineno}: redefines {target.id}")
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("setattr", "delattr") \
                and node.args and _root(node.args[0]) in modules:
            found.append(f"line {node.lineno}: {node.func.id}() on {ast.unparse(node.args[0])}")
    return found
