"""Pairs of submissions whose answers are unusually alike: evidence for a person to read, never a penalty.

Each answer cell (nbgrader's solution cells, code and Markdown) of each submission is reduced to a
set of shingles, overlapping runs of `K` tokens:

- code: Python's tokenizer, comments and blank lines dropped, every name the cell binds itself
  replaced by one placeholder (so renaming variables changes nothing), strings and numbers kept,
  one statement per line; lines are shingled one by one, so moving lines around changes nothing.
- text (open answers): lowercased words without punctuation, three words to a shingle.

What is no evidence of copying is left out before comparing: shingles of the student version's
cell (the stub and any code given), of the instructor's model answer (a short exercise has one
natural solution, and matching it says nothing about a classmate; a cell that holds 80% of the
model answer's shingles is the model answer, perhaps as released before a later edit, and is left
out whole), and shingles that more than half of the submissions (and at least three) share: common
idiom. A pair's similarity is the Jaccard index of what remains
over the whole assignment, counted only when both have at least `MIN_SHINGLES` left; pairs at or
above the threshold are reported with their most similar cells side by side. No code a student
wrote is run: the notebooks are read as JSON and the code only tokenized.
"""
import builtins
import io
import keyword
import re
import tokenize
from dataclasses import dataclass, field
from itertools import combinations

from .cells import bound_names, grade_id, nbgrader
from .answers import solution_text
from .workspace import read_notebook

K_CODE = 4
K_TEXT = 3
MIN_SHINGLES = 12
THRESHOLD = 0.5
MODEL_SHARE = 0.8  # a cell holding this share of the model answer's shingles is the model answer
SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
        tokenize.ENCODING}


@dataclass
class Pair:
    assignment: str
    first: str
    second: str
    similarity: float
    shared: int  # shingles in common, after what everyone shares was left out
    cells: list = field(default_factory=list)  # (grade_id, similarity, first's source, second's source)


def code_lines(source: str) -> list:
    """One token tuple per logical line: comments gone, the cell's own names replaced by `_`."""
    try:
        own = bound_names(source)
    except SyntaxError:
        own = set()
    lines, current, depth = [], [], 0
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [tuple(line.split()) for line in source.splitlines() if line.strip()]
    for index, tok in enumerate(tokens):
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER) and current:
            lines.append(tuple(current))
            current = []
        if tok.type in SKIP:
            continue
        text = tok.string
        if tok.type == tokenize.NAME and text in own and not keyword.iskeyword(text) and text not in dir(builtins):
            after_dot = index > 0 and tokens[index - 1].string == "."
            argument = depth > 0 and index + 1 < len(tokens) and tokens[index + 1].string == "="
            if not after_dot and not argument:
                text = "_"
        if tok.type == tokenize.OP:
            depth += (text in "([{") - (text in ")]}")
        current.append(text)
    return lines


def code_shingles(source: str, k: int = K_CODE) -> set:
    found = set()
    for line in code_lines(source):
        if len(line) < k:
            found.add(line)
        found |= {line[i:i + k] for i in range(len(line) - k + 1)}
    return found


def text_shingles(text: str, k: int = K_TEXT) -> set:
    words = re.findall(r"[a-z0-9_]+", text.lower())
    return {tuple(words[i:i + k]) for i in range(max(0, len(words) - k + 1))}


def shingles(cell_type: str, source: str) -> set:
    return code_shingles(source) if cell_type == "code" else text_shingles(source)


def answer_cells(notebook) -> dict:
    """grade_id -> (cell type, source) of every answer cell (nbgrader solution cell)."""
    return {grade_id(c): (c.cell_type, c.source) for c in (notebook.cells if notebook else [])
            if nbgrader(c).get("solution") and grade_id(c)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def compare(assignment: str, submissions: dict, given: dict, model: dict, threshold: float = THRESHOLD) -> list:
    """Pairs at or above `threshold` among `submissions` ({student: {grade_id: (type, source)}}),
    leaving out what the student version (`given`) and the model answer (`model`) contain and what
    half the class shares."""
    ignored = {cell: shingles(kind, src) for cell, (kind, src) in given.items()}
    models = {cell: shingles(kind, src) - ignored.get(cell, set()) for cell, (kind, src) in model.items()}
    per_student = {}
    for student, cells in submissions.items():
        per_student[student] = {}
        for cell, (kind, src) in cells.items():
            if cell not in given:
                continue
            found = shingles(kind, src) - ignored[cell]
            answer = models.get(cell, set())
            if answer and len(found & answer) >= MODEL_SHARE * len(answer):
                found = set()  # the model answer, nearly whole (perhaps an older version of it)
            per_student[student][cell] = found - answer
    counts = {}
    for cells in per_student.values():
        for cell, found in cells.items():
            for shingle in found:
                counts[(cell, shingle)] = counts.get((cell, shingle), 0) + 1
    common = {key for key, n in counts.items() if n >= 3 and n > len(per_student) / 2}  # common idiom
    if common:
        for cells in per_student.values():
            for cell in cells:
                cells[cell] = {s for s in cells[cell] if (cell, s) not in common}
    flat = {student: {(cell, s) for cell, found in cells.items() for s in found}
            for student, cells in per_student.items()}
    pairs = []
    for first, second in combinations(sorted(flat), 2):
        a, b = flat[first], flat[second]
        if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
            continue
        similarity = _jaccard(a, b)
        if similarity < threshold:
            continue
        cells = []
        for cell in given:
            x, y = per_student[first].get(cell, set()), per_student[second].get(cell, set())
            if x & y:
                cells.append((cell, _jaccard(x, y), submissions[first][cell][1], submissions[second][cell][1]))
        cells.sort(key=lambda c: -c[1])
        pairs.append(Pair(assignment, first, second, similarity, len(a & b), cells))
    return sorted(pairs, key=lambda p: -p.similarity)


def similar_pairs(workspace, gb, threshold: float = THRESHOLD, assignments=None) -> list:
    """Every assignment's pairs at or above `threshold`, from the submitted notebooks in `workspace`."""
    import nbformat

    from ..shared.catalogue import lesson as find_lesson

    pairs = []
    for record in sorted(gb.assignments, key=lambda a: a.name):
        if assignments and record.name not in assignments:
            continue
        given = answer_cells(read_notebook(workspace.released(record.name)))
        try:
            model = answer_cells(nbformat.read(str(find_lesson(record.name).source), as_version=4))
        except Exception:  # noqa: BLE001 - an assignment with no lesson source: compare without a model
            model = {}
        model = {cell: (kind, solution_text(src)) for cell, (kind, src) in model.items()}
        submissions = {}
        for submission in gb.assignment_submissions(record.name):
            notebook = read_notebook(workspace.submitted(submission.student.id, record.name))
            if notebook is not None:
                submissions[submission.student.id] = answer_cells(notebook)
        pairs += compare(record.name, submissions, given, model, threshold)
    return pairs
