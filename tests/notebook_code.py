"""Reading notebooks for tests: their cells, code and nbgrader metadata."""
import ast
from pathlib import Path

import nbformat

from ftcourse.instructor.cells import python_source

# Arguments and functions that current libraries removed or renamed (transformers 5, datasets 5,
# evaluate): lesson code must not use them, though lesson text may name them to teach the change.
REMOVED_KEYWORDS = {"evaluation_strategy", "overwrite_output_dir", "logging_dir", "no_cuda", "warmup_ratio",
                    "torch_dtype", "use_mps_device"}
REMOVED_CALLS = {"load_metric"}


def read(path: Path):
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [c for c in notebook.cells if c.cell_type == "code"]


def nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})




def removed_api_uses(source: str) -> list:
    """Each use of a removed argument or function in `source`, as 'line N: name'."""
    found = []
    for node in ast.walk(ast.parse(python_source(source))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in REMOVED_CALLS:
            found.append(f"line {node.lineno}: {name}()")
        for keyword in node.keywords:
            if keyword.arg in REMOVED_KEYWORDS or (name == "Trainer" and keyword.arg == "tokenizer"):
                found.append(f"line {node.lineno}: {name}({keyword.arg}=...)")
    return found
