"""The numbers audit: every figure a lesson's text states comes from its own run or carries its source.

A lesson's Markdown quotes numbers: accuracies, parameter counts, run times, speed-ups, memory. Each
must be one of:

- printed by the notebook itself: it appears among the outputs saved in the instructor source (the
  run that `ftcourse build --execute` saved), as written or rounded to the digits the text gives;
- set by the notebook's own code (a rank `r=8`, `select(range(2000))`), or by the profile it prints;
- sourced: the paragraph (or list item, or table row) holds a Markdown link to where it comes from
  (library documentation, a paper) or a note `(source: ...)` naming it (a benchmark table in
  `benchmarks/results/`);
- structure, not a claim: the numbers of lessons, sections, exercises, their points and the count
  of exercises (both checked against the grading metadata), list items, library versions, and
  numbers inside code spans or blocks, which name arguments rather than state facts;
- in a cell marked `<!-- figures: REASON -->` (invisible when rendered), e.g. a made-up scenario of a
  question: the reason is required and the test lists such cells.

`unsupported(source)` lists every other figure, with where it stands. The student version's text is
checked against the source's outputs: nbgrader copies the Markdown, not the outputs.

Run times are quoted from the table of course runs (`ftcourse run --record`, in
`benchmarks/results/`), in a table row per profile: `| `ci` | about 45 seconds (source: ...) |`.
`run_time_mismatches` holds each row to `spoken_time` of the recorded seconds, so a new recording
shows which lesson texts to update.
"""
import re

NUMBER = re.compile(r"(?<![\w.\-/])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.]*\d)")
CODE_BLOCK = re.compile(r"```.*?```", re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\((?:https?://|\.\./|\./|[\w/.-]+\.(?:md|json|ipynb|py))[^)]*\)|\([^()]*\bsource: [^()]+\)")
EXEMPT = re.compile(r"<!--\s*figures:\s*(\S[^>]*?)\s*-->")
VERSION = re.compile(r"\b(?:transformers|datasets|peft|evaluate|torch|PyTorch|nbgrader|Python|JupyterLab|ipywidgets|"
                     r"accelerate|scikit-learn|seqeval|sacrebleu|bitsandbytes|trl)\s+\d+(?:\.\d+)*")
COUNTS = re.compile(r"\b(\d+) graded exercises, (\d+) points")
HEADING_NUMBER = re.compile(r"^#+\s*(?:Lesson\s+)?\d+(?:\.\d+)*\s*[·:.)-]", re.M)
LIST_NUMBER = re.compile(r"^\s*\d+[.)]\s", re.M)
EXERCISE = re.compile(r"\b(?:Exercise|Part|exercise|part|Open question)\s+(\d+)(?:\s*\((\d+)\s+points?\))?")
LESSON_REF = re.compile(r"\b[Ll]essons?\s+\d\d(?:\s*(?:to|-|–|and)\s*\d\d)?")
ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b")


def figures(text: str) -> list:
    """(number as written, paragraph) for each figure of a Markdown text that is a claim."""
    found = []
    text = CODE_BLOCK.sub(" ", text)
    for paragraph in re.split(r"\n\s*\n|\n(?=\s*[-*|] )|\n(?=\s*\d+[.)] )", text):
        if LINK.search(paragraph):
            continue  # carries its source
        cleaned = CODE_SPAN.sub(" ", paragraph)
        for pattern in (HEADING_NUMBER, LIST_NUMBER, EXERCISE, LESSON_REF, ORDINAL, VERSION, COUNTS):
            cleaned = pattern.sub(" ", cleaned)
        found += [(m.group(1), paragraph.strip()) for m in NUMBER.finditer(cleaned)]
    return found


def _values(text: str) -> set:
    """Every number in `text`, as floats (thousands separators and underscores read)."""
    values = set()
    for token in re.findall(r"\d[\d,_]*(?:\.\d+)?(?:e[+-]?\d+)?", text):
        try:
            values.add(float(token.replace(",", "").replace("_", "")))
        except ValueError:
            continue
    return values


def _shown(number: str, values: set) -> bool:
    """The figure equals one of `values`, or one of them rounded to the figure's digits; a
    percentage may stand for a share printed as a fraction."""
    figure = float(number.replace(",", ""))
    digits = len(number.split(".")[1]) if "." in number else 0
    for value in values:
        for candidate in (value, value * 100, value / 1e6, value / 1e3):
            if round(candidate, digits) == figure or abs(candidate - figure) < 1e-9:
                return True
    return False


def evidence(notebook) -> set:
    """The numbers a notebook's run and code show: its outputs (text and HTML) and its code."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        texts.append(cell.source)
        for output in cell.get("outputs", []):
            texts.append(str(output.get("text", "")))
            for kind, value in output.get("data", {}).items():
                if kind.startswith("text/"):
                    texts.append(str(value))
            texts.append(str(output.get("evalue", "")))
    return _values("\n".join(texts))


def unsupported(notebook, ran=None) -> list:
    """'cell N: FIGURE in "paragraph"' for each figure of `notebook`'s Markdown that the run of `ran`
    (default: the notebook itself) neither printed nor set, and that carries no source."""
    values = evidence(ran if ran is not None else notebook)
    found = []
    for number, cell in enumerate(notebook.cells, 1):
        if cell.cell_type != "markdown" or EXEMPT.search(cell.source):
            continue
        for figure, paragraph in figures(cell.source):
            if not _shown(figure, values):
                found.append(f"cell {number}: {figure} in {paragraph[:120]!r}")
    return found


LOCAL_SOURCE = re.compile(r"\]\(((?:\.\./|\./)?[\w/.-]+\.(?:md|json|ipynb|py))\)|\bsource: `([\w/.-]+\.(?:md|json|py))`")


def missing_sources(notebook, root) -> list:
    """The files of the repository at `root` that a notebook's Markdown cites as a source (a link
    `[...](benchmarks/results/x.md)` or a note `(source: `x.md`)`) but that do not exist."""
    from pathlib import Path

    cited = {m.group(1) or m.group(2) for c in notebook.cells if c.cell_type == "markdown"
             for m in LOCAL_SOURCE.finditer(c.source)}
    return sorted(name for name in cited
                  if not any((Path(root) / base / name).exists() for base in ("", "notebooks", "solutions")))


def exempt_cells(notebook) -> list:
    """(cell number, reason) of the Markdown cells marked `<!-- figures: REASON -->`."""
    return [(n, m.group(1)) for n, c in enumerate(notebook.cells, 1) if c.cell_type == "markdown"
            for m in [EXEMPT.search(c.source)] if m]


def wrong_points(notebook) -> list:
    """Exercises whose heading's points differ from the points of the test cell that follows, and
    a stated count of exercises and points that differs from the notebook's."""
    tests = [c for c in notebook.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution") and c.cell_type == "code"]
    total = sum(float(c.metadata["nbgrader"].get("points", 0)) for c in tests)
    found, stated = [], None
    for cell in notebook.cells:
        for match in COUNTS.finditer(cell.source) if cell.cell_type == "markdown" else []:
            if (int(match.group(1)), float(match.group(2))) != (len(tests), total):
                found.append(f"{match.group(0)!r}: the notebook has {len(tests)} graded tests worth {total:g} points")
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = EXERCISE.search(cell.source)
            if match and match.group(2):
                stated = (match.group(0), float(match.group(2)))
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code" and stated:
            if float(meta.get("points", 0)) != stated[1]:
                found.append(f"{stated[0]}: the test cell {meta.get('grade_id')} gives {meta.get('points')}")
            stated = None
    return found


RUN_TIME_ROW = re.compile(r"^\|\s*`(\w+)`\s*\|\s*(about [^|(]*?|not measured yet)\s*(?:\(|\||:)", re.M)


def spoken_time(seconds: float) -> str:
    """How a lesson states a measured run time: to 5 seconds below 100 s, else to half a minute."""
    if seconds < 100:
        return f"about {max(5, round(seconds / 5) * 5)} seconds"
    whole, half = divmod(round(seconds / 30), 2)
    return f"about {whole}{'½' if half else ''} minutes"


def run_time_mismatches(notebook, lesson: str, runs: dict) -> list:
    """Run-time rows of `notebook` that differ from `spoken_time` of `lesson`'s time in `runs` (the
    JSON that `ftcourse run --record` writes: profile -> {"lessons": [{"lesson", "seconds"}, ...]})."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for profile, stated in RUN_TIME_ROW.findall(cell.source):
            row = next((r for r in runs.get(profile, {}).get("lessons", []) if r["lesson"] == lesson), None)
            wanted = spoken_time(row["seconds"]) if row else "not measured yet"
            if stated.strip() != wanted:
                found.append(f"{lesson}, profile {profile}: the text says {stated.strip()!r}, the recorded run "
                             f"{wanted!r}: update the lesson's run-time row")
    return found
