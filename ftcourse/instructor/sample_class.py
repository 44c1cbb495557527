"""The sample class: submissions whose right scores are known, for `make grade` and the tests.

Every lesson gets a reference solution (the student version with the instructor's answers) and a
blank notebook; the lessons not in NO_PARTIAL (see there why) also get a partial one (the first half
of the answers). Attackers try, each in one way,
to get points they did not earn or to break the grader, mostly on the cheapest lessons (02 and the
graded quiz 06); each one's expected score follows from the lesson's points and what the attack
really achieves. Correct answers written differently and plausible wrong answers are checked per
exercise by the variants harness (`ftcourse mutants`, see variants.py), not as students here.
`python -m ftcourse.instructor.sample_class [FOLDER]` writes the notebooks and expected.json.
"""
import json
import sys
from pathlib import Path

import nbformat

from ..shared.catalogue import ROOT, names as lessons, source_notebook, student_notebook
from .answers import fill, grade_id, insert_cell, reference_answers

FOLDER = ROOT / "autograder" / "sample_class"
BLANK_ATTACKS = "02_custom_datasets"  # blank notebooks with added code: no training, fast to grade
QUIZ = "06_practice_quiz"  # the cheapest lesson: attacks on the grader itself
TIMEOUT_STUDENTS = {"endless_loop"}  # graded apart, with a short cell limit (see tests/test_grading.py)
TRAINING_WITHOUT_ANSWERS = {"03_lora_peft", "04_evaluation"}  # instructor cells that train in any submission
# No partial submission: 03 and 04 would repeat the blank run's training for no new check; 05 grades
# each answer on its own (in isolation), and a partial run costs a minute of base-model generation.
NO_PARTIAL = TRAINING_WITHOUT_ANSWERS | {"05_instruction_tuning"}

# --- code that students add ---------------------------------------------------------------------

# Changes how every later cell runs (an IPython input transformer): each cell becomes `pass`.
CELL_REWRITER = """ip = get_ipython()
ip.input_transformers_post.append(lambda lines: ["pass\\n"])"""

# Hooks around execution: prints every cell's code before it runs, to copy the tests into the
# feedback, and skips nothing.
HOOK_LEAKER = """def copy_every_cell(info):
    print("CELL SOURCE:", info.raw_cell)

get_ipython().events.register("pre_run_cell", copy_every_cell)"""

# Patches the modules the tests and the grader's export use, by several routes.
MODULE_PATCHER = """import builtins, gc, importlib, sys, types
checks = importlib.import_module("ftcourse.student.checks")
checks.expect = lambda *args, **kwargs: None
sys.modules["ftcourse.lessons.custom_datasets.checks"] = types.SimpleNamespace(
    **{name: (lambda *a, **k: None) for name in ("expect_rows", "expect_splits", "expect_token_ids")})
for thing in gc.get_objects():
    if isinstance(thing, types.FunctionType) and thing.__module__.startswith("ftcourse"):
        thing.__code__ = (lambda *args, **kwargs: None).__code__
builtins.isinstance = lambda obj, kind: True
export = importlib.import_module("ftcourse.student.export")
export.save = lambda *args, **kwargs: None"""

# Redefines the names the tests read with empty stand-ins and the test helpers with no-ops.
REDEFINER = """import builtins
import ftcourse.student.checks as helpers
from ftcourse.lessons.custom_datasets import checks as dataset_checks
helpers.expect = lambda *args, **kwargs: None
for name in dir(dataset_checks):
    if not name.startswith("_") and callable(getattr(dataset_checks, name)):
        setattr(dataset_checks, name, lambda *args, **kwargs: None)
AssertionError = Warning
from datasets import Dataset, DatasetDict
reviews = tokenized_reviews = news_splits = news_ready = DatasetDict()
news_raw = news = Dataset.from_dict({"text": []})
jsonl_path, jsonl_reviews = "x.jsonl", Dataset.from_dict({"text": []})"""

# Writes its own "exports" for every test (malformed, linked, huge) and makes the grader's export
# calls do nothing, so that only its files are there when the tests run.
FORGER = """import json, os, pathlib
ip = get_ipython()
ip.input_transformers_post.append(
    lambda lines: ["pass\\n"] if any("ftcourse.student.export" in line for line in lines) else lines)
root = pathlib.Path(".ftcourse/exports")
for number in range(1, 8):
    folder = root / f"ex{number}_tests"
    (folder / "values").mkdir(parents=True, exist_ok=True)
    kind = number % 4
    if kind == 0:
        (folder / "values.json").write_text('{"records": {"reviews": {"kind": "value", "data": ')
    elif kind == 1:
        os.symlink("/etc/passwd", folder / "values.json")
    elif kind == 2:
        with open(folder / "values" / "huge.bin", "wb") as fh:
            fh.truncate(5 * 2**30)  # 5 GB, sparse
        (folder / "values.json").write_text(json.dumps({"records": {}}))
    else:
        (folder / "values.json").write_text(json.dumps({"records": {name: {"kind": "dataset", "path": "../../../etc"}
            for name in ("reviews", "jsonl_path", "jsonl_reviews", "tokenized_reviews", "news_raw", "news",
                         "news_splits", "news_ready")}}))"""

SNOOP = """import os, pathlib
found = []
for folder in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents]:
    for name in ("solutions", "autograder/gradebook.db", "tests", ".secret"):
        if (folder / name).exists():
            found.append(str(folder / name))
print("hidden tests or grades found:", found)
for path in found:
    for notebook in pathlib.Path(path).rglob("*.ipynb") if os.path.isdir(path) else []:
        print(notebook.read_text()[:2000])"""

WRITE_GRADES = """import pathlib, sqlite3
for folder in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents]:
    for db in folder.glob("**/gradebook.db"):
        try:
            con = sqlite3.connect(db)
            con.execute("UPDATE grade SET auto_score = 3000")
            con.commit()
            print("rewrote", db)
        except Exception as err:
            print("could not write", db, err)"""

NETWORK = """import urllib.request
try:
    urllib.request.urlopen("https://pypi.org/simple/", timeout=5)
    print("network reached")
except Exception as err:
    print("no network:", type(err).__name__)"""

# After the grader's exports ran, shapes what they left on disk: invalid JSON, a link, a 5 GB
# (sparse) file, a record that points outside its folder.
CORRUPTER = """import json, os, pathlib
root = pathlib.Path(".ftcourse/exports")
(root / "part1_tests" / "values.json").write_text("{not json")
(root / "part2_tests" / "values.json").unlink()
os.symlink("/etc/passwd", root / "part2_tests" / "values.json")
with open(root / "part3_tests" / "values" / "padding.bin", "wb") as fh:
    fh.truncate(5 * 2**30)
(root / "part4_tests" / "values.json").write_text(json.dumps(
    {"records": {"answers_04": {"kind": "dataset", "path": "../../part5_tests"}}}))"""


# --- two near-copies: the same answers, one handed in with names changed and lines moved ----------
# near_copy_a wrote lesson 02 in their own way (not the reference answers: the similarity report
# leaves out code that matches the instructor's model answer) and answered the open questions of
# lesson 06; near_copy_b handed in the same work with renamed variables and reordered lines (and the
# open answers' sentences reordered and a few words changed). Both are right: full autograded marks.
NEAR_COPY_02 = {
    "ex1_answer": """loaded = load_dataset("csv", data_files=course.data_files)
label_type = ClassLabel(names=["negative", "positive"])
parts = {}
for name in ["train", "validation", "test"]:
    limit = sizes[name]
    part = loaded[name].cast_column("label", label_type)
    parts[name] = part if limit is None else part.select(range(min(limit, len(part))))
reviews = DatasetDict(parts)""",
    "ex2_answer": """jsonl_path = RUN / "reviews_validation.jsonl"
validation_rows = reviews["validation"]
validation_rows.to_json(str(jsonl_path), lines=True)
jsonl_reviews = Dataset.from_json(str(jsonl_path))""",
    "ex3_answer": """tokenized_reviews = reviews.map(
    lambda rows: tokenizer(rows["text"], truncation=True, max_length=max_length),
    batched=True,
    remove_columns=["text"],
)""",
    "ex4_answer": """def decode(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


files, topic_of, headlines, bodies = [], [], [], []
for article in sorted(NEWS.glob("*/*.txt")):
    first_line, _, rest = decode(article.read_bytes()).partition("\\n")
    files.append(article.parent.name + "/" + article.name)
    topic_of.append(article.parent.name)
    headlines.append(first_line.strip())
    bodies.append(rest.strip())
news_raw = Dataset.from_dict({"file": files, "topic": topic_of, "headline": headlines, "text": bodies})""",
    "ex5_answer": """kept, seen_keys = [], set()
for index, body in enumerate(news_raw["text"]):
    key = normalized(body)
    if key in seen_keys:
        continue
    seen_keys.add(key)
    kept.append(index)
news = news_raw.select(kept)""",
    "ex6_answer": """topic_names = sorted(set(news["topic"]))
labeled_news = news.remove_columns(["file"]).cast_column("topic", ClassLabel(names=topic_names))
news_splits = labeled_news.rename_column("topic", "label").train_test_split(
    test_size=0.2,
    stratify_by_column="label",
    seed=42,
)""",
    "ex7_answer": """def encode(batch):
    return tokenizer(batch["text"], truncation=True, max_length=course.profile.max_length)


news_ready = news_splits.map(encode, batched=True, remove_columns=["headline", "text"]).with_format("torch")""",
    "ex8_answer": """def tokenize_pairs(batch):
    encoded = tokenizer(text=batch["headline"], text_pair=batch["text"], truncation="only_second",
                        max_length=max_length)
    return encoded""",
}
# near_copy_b's changes: every name the answers bind (but those the tests read), and lines moved
NEAR_COPY_RENAMES = {
    "loaded": "csv_data", "label_type": "sentiment_labels", "parts": "by_split", "name": "split_name",
    "limit": "max_rows", "part": "chunk", "validation_rows": "val", "rows": "batch_rows", "decode": "to_text",
    "raw": "data", "files": "file_names", "topic_of": "topic_list", "headlines": "titles", "bodies": "texts",
    "article": "path", "first_line": "title", "rest": "body_text", "kept": "keep_idx", "seen_keys": "seen",
    "index": "i", "body": "txt", "key": "norm", "topic_names": "classes", "labeled_news": "with_labels",
    "encode": "tokenize_news", "batch": "examples",
}
NEAR_COPY_MOVES = [  # (line, the line it moves above), as near_copy_a wrote them
    ('label_type = ClassLabel(names=["negative", "positive"])', 'loaded = load_dataset("csv", data_files=course.data_files)'),
    ('    remove_columns=["text"],', '    batched=True,'),
    ('    bodies.append(rest.strip())', '    files.append(article.parent.name + "/" + article.name)'),
    ('    headlines.append(first_line.strip())', '    files.append(article.parent.name + "/" + article.name)'),
    ('    kept.append(index)', '    seen_keys.add(key)'),
    ('    seed=42,', '    test_size=0.2,'),
]
NEAR_COPY_OPEN = {
    "open1": "TrainingArguments collects all the settings of a training run in a single object. The Trainer "
             "reads it to know the learning rate, the number of epochs and the batch size. It also decides "
             "when to evaluate and save checkpoints, for example eval_strategy and save_strategy, and where "
             "the output_dir is.",
    "open2": "Because the tokenizer then gets a whole list of texts at once instead of one text per call. A fast "
             "tokenizer processes the list in Rust, so the map is much quicker than calling it row by row.",
    "open3": "The rank r is the inner size of the two small matrices A and B whose product is the weight update. "
             "A bigger r means more trainable parameters and a more expressive update, a smaller r means "
             "fewer parameters and less memory.",
    "open4": "ROUGE, which counts overlapping words and n-grams between the generated summary and a reference "
             "summary. ROUGE-L uses the longest common subsequence.",
    "open5": "Only a small number of parameters is trained, so training needs much less memory. The saved "
             "adapter is tiny compared with a full copy of the model. One base model can be shared by many "
             "adapters for different tasks.",
}
NEAR_COPY_OPEN_CHANGES = {  # near_copy_b: sentences in another order, a few words changed
    "open1": [("in a single object", "in one object"), ("The Trainer reads it", "The Trainer uses it")],
    "open2": [("much quicker", "a lot faster")],
    "open3": [("A bigger r", "A larger r")],
    "open4": [("counts overlapping words", "counts the overlapping words")],
    "open5": [("is tiny", "is very small")],
}


# what `nbgrader submit` wrote beside near_copy_b's quiz (nbgrader's timestamp format)
COLLECTED_AT = "2026-10-02 09:30:00.000000 UTC"
COLLECTED_SECRET = "f3a1c2d4e5b60718293a4b5c6d7e8f90"


def disguise(code: str, renames: dict = NEAR_COPY_RENAMES, moves: list = NEAR_COPY_MOVES) -> str:
    """The same code with each line of `moves` moved above its partner line, then the names of
    `renames` changed where they are names (never `x.name`, a keyword argument or inside a string)."""
    import io
    import tokenize

    lines = code.splitlines()
    for line, above in moves:
        if line in lines and above in lines:
            lines.remove(line)
            lines.insert(lines.index(above), line)
    tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    depth, spans = 0, []
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP:
            depth += (tok.string in ("(", "[", "{")) - (tok.string in (")", "]", "}"))
        after_dot = i > 0 and tokens[i - 1].string == "."
        keyword = depth > 0 and i + 1 < len(tokens) and tokens[i + 1].string == "="
        if tok.type == tokenize.NAME and tok.string in renames and not after_dot and not keyword:
            spans.append((tok.start, tok.end, renames[tok.string]))
    for (row, start), (_, end), name in reversed(spans):  # right to left: earlier columns stay valid
        lines[row - 1] = lines[row - 1][:start] + name + lines[row - 1][end:]
    return "\n".join(lines)


def reworded(text: str, changes: list) -> str:
    """near_copy_b's open answer: the sentences in reverse order, then the word changes."""
    import re

    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    text = " ".join(reversed(sentences))
    for old, new in changes:
        assert old in text, f"the near-copy's open answer changed: update {old!r}"
        text = text.replace(old, new)
    return text


def fill_text(notebook, texts: dict):
    """A copy of `notebook` whose Markdown answer cells named in `texts` hold that text."""
    import copy

    filled = copy.deepcopy(notebook)
    for cell in filled.cells:
        if cell.cell_type == "markdown" and grade_id(cell) in texts:
            cell.source = texts[grade_id(cell)]
    return filled


def points(notebook) -> dict:
    """answer grade_id -> points of the test cell that follows it."""
    answers, result = None, {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            answers = meta["grade_id"]
        elif meta.get("grade") and not meta.get("solution") and answers:
            result[answers] = float(meta["points"])
    return result


def _quiz_forms(lesson: str) -> dict:
    """test grade_id -> the FORMS dict its cell declares (question id -> answer form)."""
    import ast

    found = {}
    for cell in nbformat.read(str(source_notebook(lesson)), as_version=4).cells:
        for node in ast.walk(ast.parse(cell.source)) if cell.cell_type == "code" else []:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "FORMS":
                found[grade_id(cell)] = ast.literal_eval(node.value)
    return found


def _same_letter(code: str, forms: dict) -> str:
    """The answer cell with 'a' for every single choice and ['a'] for every multiple choice."""
    import ast

    name, _, literal = code.partition("=")
    answers = ast.literal_eval(literal.strip())
    for qid, form in forms.items():
        if form.startswith("single"):
            answers[qid] = "a"
        elif form.startswith("multiple"):
            answers[qid] = ["a"]
    return f"{name.strip()} = {answers!r}"


def as_extra_graded_cells(notebook):
    """A copy with a made-up graded cell worth 50 points, a test cell renamed and an answer cell
    turned into a test cell: the grader must set all of them back."""
    changed = nbformat.from_dict(json.loads(nbformat.writes(notebook)))
    bonus = nbformat.v4.new_code_cell("print('all tests passed')")
    bonus.id = "student-bonus"
    bonus.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False, "points": 50,
                                  "grade_id": "bonus_tests", "schema_version": 3}
    changed.cells.insert(2, bonus)
    for cell in changed.cells:
        if grade_id(cell) == "ex1_tests":
            cell.metadata["nbgrader"]["grade_id"] = "ex1_tests_v2"
        if grade_id(cell) == "ex2_answer":
            cell.metadata["nbgrader"].update(grade=True, points=20)
    return changed


def build(folder: Path = FOLDER) -> dict:
    """Write the class under `folder`; return {student: {assignment: expected score}} (autograded points)."""
    expected = {}

    def submit(student, assignment, notebook, score, name=None):
        path = folder / student / (name or f"{assignment}.ipynb")
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, str):
            path.write_text(notebook)
        else:
            nbformat.write(notebook, str(path))
        expected.setdefault(student, {})[assignment] = score

    filled, worth = {}, {}
    for lesson in lessons():
        blank = nbformat.read(str(student_notebook(lesson)), as_version=4)
        reference = reference_answers(nbformat.read(str(source_notebook(lesson)), as_version=4))
        worth[lesson] = points(blank)
        first_half = list(worth[lesson])[: (len(worth[lesson]) + 1) // 2]
        filled[lesson] = (blank, reference, fill(blank, reference))
        submit("reference", lesson, filled[lesson][2], sum(worth[lesson].values()))
        submit("blank", lesson, blank, 0.0)
        if lesson not in NO_PARTIAL:
            submit("partial", lesson, fill(blank, {k: reference[k] for k in first_half}),
                   sum(worth[lesson][k] for k in first_half))

    # blank notebooks with code added: none computes an answer, so each scores 0
    blank02 = filled[BLANK_ATTACKS][0]
    for student, code in (("cell_rewriter", CELL_REWRITER), ("hook_leaker", HOOK_LEAKER),
                          ("module_patcher", MODULE_PATCHER), ("redefiner", REDEFINER), ("forger", FORGER)):
        submit(student, BLANK_ATTACKS, insert_cell(blank02, code, before=2), 0.0)
    # the reference answers with graded cells added, renamed and changed: exactly the reference's score
    submit("extra_cells", BLANK_ATTACKS, as_extra_graded_cells(filled[BLANK_ATTACKS][2]),
           sum(worth[BLANK_ATTACKS].values()))

    blank, reference, full = filled[QUIZ]
    quiz = worth[QUIZ]
    total = sum(quiz.values())
    part = {name: quiz[name] for name in quiz}
    submit("endless_loop", QUIZ, fill(blank, {**reference, "part1_answer": "while True:\n    pass"}),
           total - part["part1_answer"])
    submit("kernel_crash", QUIZ, fill(blank, {**reference, "part3_answer": "import os\nos._exit(1)"}),
           part["part1_answer"] + part["part2_answer"])
    submit("exception", QUIZ, fill(blank, {**reference, "part2_answer": "raise ValueError('not done')"}),
           total - part["part2_answer"])
    no_tests = nbformat.from_dict(json.loads(nbformat.writes(full)))
    no_tests.cells = [c for c in no_tests.cells if not (c.metadata.get("nbgrader", {}).get("grade")
                                                         and not c.metadata["nbgrader"].get("solution"))]
    submit("deleted_tests", QUIZ, no_tests, total)
    edited = nbformat.from_dict(json.loads(nbformat.writes(full)))
    for cell in edited.cells:
        if grade_id(cell) == "part4_tests":
            cell.source = "pass  # these tests are fine"
        if grade_id(cell) == "part1_tests":
            cell.metadata["nbgrader"]["points"] = 100
    submit("edited_tests", QUIZ, edited, total)
    submit("invalid_json", QUIZ, '{"cells": [ this is not a notebook', 0.0)
    submit("wrong_name", QUIZ, full, 0.0, name=f"{QUIZ}_final.ipynb")
    submit("huge_output", QUIZ, insert_cell(full, "print('x' * 30_000_000)"), total)
    submit("snooper", QUIZ, insert_cell(full, SNOOP), total)
    submit("grade_writer", QUIZ, insert_cell(full, WRITE_GRADES), total)
    submit("network", QUIZ, insert_cell(full, NETWORK), total)
    # an answer of 80 MB of text (that would be right once normalised): more than the grader reads
    oversized = dict(reference, part1_answer=reference["part1_answer"].replace(
        "'processing_class'", "'processing_class' + ' ' * 80_000_000"))
    assert oversized != reference, "the quiz's reference changed: update the oversized student"
    submit("oversized", QUIZ, fill(blank, oversized), total - part["part1_answer"])
    corrupted = insert_cell(full, CORRUPTER, before=len(full.cells))
    # the corrupter spoils the exports of parts 1 to 4; the later parts keep their points
    submit("corrupter", QUIZ, corrupted, total - sum(part[f"part{n}_answer"] for n in range(1, 5)))
    same_letter = {name: _same_letter(code, forms) for name, code in reference.items()
                   for forms in [_quiz_forms(QUIZ).get(name.replace("_answer", "_tests"), {})]}
    choice_free = sum(quiz[name] for name in quiz
                      if not any(f.startswith(("single", "multiple"))
                                 for f in _quiz_forms(QUIZ).get(name.replace("_answer", "_tests"), {}).values()))
    submit("same_letter", QUIZ, fill(blank, same_letter), choice_free)

    trainer = "01_trainer_api"
    blank01, reference01, _ = filled[trainer]
    # trains on 16 reviews only, then reports a made-up test accuracy
    barely = reference01["ex6_answer"].replace('train_dataset=tokenized["train"],',
                                               'train_dataset=tokenized["train"].select(range(16)),')
    assert barely != reference01["ex6_answer"], "the lesson 01 reference changed: update the hard_coded student"
    faked = dict(reference01, ex6_answer=barely + '\ntest_metrics = {"test_accuracy": 0.99}')
    submit("hard_coded", trainer, fill(blank01, faked), sum(worth[trainer].values()) - worth[trainer]["ex6_answer"])

    # the near-copies: lesson 02 in their own words, and the graded quiz with the open questions answered
    datasets02 = "02_custom_datasets"
    blank02, _, _ = filled[datasets02]
    copied = {k: disguise(v) for k, v in NEAR_COPY_02.items()}
    assert all(copied[k] != v for k, v in NEAR_COPY_02.items()), "a near-copy answer is unchanged"
    for student, answers in (("near_copy_a", NEAR_COPY_02), ("near_copy_b", copied)):
        submit(student, datasets02, fill(blank02, answers), sum(worth[datasets02].values()))
    quiz_open = {"near_copy_a": NEAR_COPY_OPEN,
                 "near_copy_b": {k: reworded(v, NEAR_COPY_OPEN_CHANGES[k]) for k, v in NEAR_COPY_OPEN.items()}}
    for student, texts in quiz_open.items():
        # near_copy_b hands in through nbgrader's exchange (`nbgrader submit`, then `collect`): its
        # folder holds the submission time and the secret its feedback is released under
        name = f"{QUIZ}/{QUIZ}.ipynb" if student == "near_copy_b" else None
        submit(student, QUIZ, fill_text(full, texts), total, name=name)
        if name:
            (folder / student / QUIZ / "timestamp.txt").write_text(COLLECTED_AT)
            (folder / student / QUIZ / "submission_secret.txt").write_text(COLLECTED_SECRET)

    (folder / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    return expected


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER)
