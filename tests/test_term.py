"""The instructor's term after autograding: hand-grading in the terminal, feedback handed back and
released, grades exported for nbgrader, Canvas and Moodle, item analysis and the similarity report.

The fast tests check each piece on small inputs; the `grading` tests run the `ftcourse` commands on
one copy of the graded sample class (`graded_class`), hand-grading first, as an instructor would."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest
import yaml

from conftest import ROOT, ftcourse_server, run_ftcourse
from test_lab_browser import SHOTS, page  # noqa: F401 (the Chromium page fixture)
from ftcourse.instructor import export, manual, rubric, similarity
from ftcourse.instructor.report import NOT_ANSWERED, correlation
from ftcourse.instructor.sample_class import (COLLECTED_SECRET, FOLDER, NEAR_COPY_02, disguise, points)
from ftcourse.shared.catalogue import lesson
from ftcourse.shared.errors import CourseError

QUIZ = "06_practice_quiz"
OPEN = ["open1", "open2", "open3", "open4", "open5"]
EXPECTED = json.loads((FOLDER / "expected.json").read_text())  # the autograded scores of the sample class
BY_HAND = 2 + 1.5 + 1 + 2 + 0  # the points `term` gives near_copy_a's open answers


# --- fast: the pieces -------------------------------------------------------------------------


def test_the_rubrics_cover_every_open_question_and_add_up():
    rubrics = rubric.load("06")
    assert sorted(rubrics) == OPEN
    cells = rubric.manual_cells(nbformat.read(str(lesson("06").source), 4))
    assert {cell: r.points for cell, r in rubrics.items()} == {cell: cells[cell] for cell in OPEN}
    assert all(r.comments for r in rubrics.values())


def test_a_rubric_that_does_not_add_up_is_refused(tmp_path, monkeypatch):
    import ftcourse.instructor.rubric as module

    broken = tmp_path / "rubric.yaml"
    broken.write_text(yaml.safe_dump({"open1": {"criteria": [{"points": 5, "text": "everything"}]}}))

    class Fake:
        instructor = tmp_path
        source = lesson("06").source

    monkeypatch.setattr(module, "find_lesson", lambda name: Fake)
    with pytest.raises(CourseError, match="add up to 5 points, the cell is worth 2"):
        module.load("06")
    broken.write_text(yaml.safe_dump({"ex1_tests": {"criteria": []}}))
    with pytest.raises(CourseError, match="not a cell graded by hand"):
        module.load("06")


def test_points_are_asked_again_until_valid():
    item = manual.Item("s", QUIZ, QUIZ, "open1", 2.0, True, "open1")
    answers = iter(["abc", "3", "-1", "1,5"])
    assert manual.ask_points(item, lambda prompt: next(answers)) == 1.5
    assert manual.ask_points(item, lambda prompt: "") is None
    with pytest.raises(manual.Quit):
        manual.ask_points(item, lambda prompt: "q")
    assert manual.ask_comment(item, ("ready",), lambda prompt: "1") == "ready"
    assert manual.ask_comment(item, ("ready",), lambda prompt: "-") == ""


def _answers(code: dict) -> dict:
    return {cell: ("code", source) for cell, source in code.items()}


def test_similarity_finds_the_disguised_copy_and_not_independent_answers():
    """near_copy_b's disguise (names changed, lines moved) of near_copy_a pairs with it; the
    lesson's correct alternatives (variants.yaml), written by the course's authors independently,
    pair with neither; the model answer and the student version count for nothing."""
    variants = yaml.safe_load((lesson("02").instructor / "variants.yaml").read_text())
    alternative = {cell: next(v["code"] for v in found if v.get("correct")) for cell, found in variants.items()}
    source = nbformat.read(str(lesson("02").source), 4)
    student = nbformat.read(str(lesson("02").student), 4)
    model = {cell: (kind, manual.solution_text(src)) for cell, (kind, src) in similarity.answer_cells(source).items()}
    given = similarity.answer_cells(student)
    submissions = {"a": _answers(NEAR_COPY_02), "b": _answers({k: disguise(v) for k, v in NEAR_COPY_02.items()}),
                   "alternative": _answers(alternative), "model": {c: model[c] for c in given},
                   "model_too": {c: model[c] for c in given}, "blank": given}
    pairs = similarity.compare("02_custom_datasets", submissions, given, model)
    assert [(p.first, p.second) for p in pairs] == [("a", "b")]
    assert pairs[0].similarity > 0.8
    everything = similarity.compare("02_custom_datasets", submissions, given, model, threshold=0.01)
    assert max((p.similarity for p in everything if p.first != "a" or p.second != "b"), default=0) < 0.3


def test_names_comments_and_line_order_do_not_change_the_shingles():
    first = "total = 0\nfor value in values:  # add up\n    total += value\nresult = total\n"
    second = "# my own\nacc = 0\nfor v in values:\n    acc += v\n\nresult = acc\n"
    assert similarity.code_shingles(first) == similarity.code_shingles(second)
    assert similarity.code_shingles("a = f(x)\nb = g(y)\n") == similarity.code_shingles("b = g(y)\na = f(x)\n")
    assert similarity.code_shingles("a = f(x)\n") != similarity.code_shingles("a = h(x)\n")


def test_discrimination_is_the_item_rest_correlation():
    assert correlation([1, 1, 0, 0], [10, 8, 2, 0]) == pytest.approx(8 / 68 ** 0.5)  # by hand
    assert correlation([1, 1, 1], [3, 2, 1]) is None


def test_item_flags():
    from collections import Counter

    from ftcourse.instructor.report import Item, flags

    def item(passed, submitted=6, discrimination=0.9, unanswered=0):
        return Item("a", "t", 2.0, submitted, submitted - unanswered, passed, discrimination,
                    Counter({NOT_ANSWERED: unanswered} if unanswered else {}))

    assert flags(item(0, discrimination=None)) == ["everyone fails"]
    assert flags(item(6, discrimination=None)) == ["everyone passes"]
    assert flags(item(3, discrimination=-0.4)) == ["not tracking"]
    assert flags(item(3, submitted=4, discrimination=-0.4)) == []  # too few submissions to tell
    assert flags(item(3, unanswered=2)) == ["not answered by 2"]


def test_grading_nbgrader_collects_own_folder_keeps_the_submissions(tmp_path):
    """`nbgrader collect` writes into the workspace's submitted/; grading that folder must not
    delete what it reads, and keeps the time and secret `nbgrader submit` wrote."""
    from ftcourse.instructor.intake import receive

    folder = tmp_path / "submitted" / "ada" / QUIZ
    folder.mkdir(parents=True)
    (folder / f"{QUIZ}.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    (folder / "timestamp.txt").write_text("2026-10-02 09:30:00.000000 UTC")
    (folder / "submission_secret.txt").write_text("secret")
    found = receive(tmp_path / "submitted", tmp_path / "submitted", [QUIZ])
    assert [(s.student, s.assignment) for s in found] == [("ada", QUIZ)]
    assert sorted(p.name for p in folder.iterdir()) == [f"{QUIZ}.ipynb", "submission_secret.txt", "timestamp.txt"]


@pytest.mark.parametrize("argv, message", [
    (["grade", "--manual"], "no gradebook in"),
    (["grade"], "name the submissions to grade"),
    (["export", "--due", "06"], "write it as ASSIGNMENT=DATE"),
    (["report", "--threshold", "2"], "give a similarity between 0 and 1"),
    (["lab", "--workspace", "x"], "--workspace goes with --instructor"),
])
def test_bad_term_commands_stop_with_the_fix(argv, message, tmp_path, capsys):
    from ftcourse.cli import main

    workspace = [] if argv[0] == "lab" or argv == ["grade"] else ["--workspace", str(tmp_path / "none")]
    assert main(argv + workspace) == 2
    assert message in capsys.readouterr().err


def test_per_day_penalty_adds_nbgraders_method():
    from ftcourse.instructor.late import PerDayPenalty

    plugin = PerDayPenalty(penalty_method="per_day", percent_per_day=10)
    assert plugin.late_submission_penalty("s", 10.0, 3600) == pytest.approx(1.0)  # a started day
    assert plugin.late_submission_penalty("s", 10.0, 2 * 86400 + 1) == pytest.approx(3.0)
    assert plugin.late_submission_penalty("s", 10.0, 20 * 86400) == 10.0  # never more than the score
    assert PerDayPenalty(penalty_method="zero").late_submission_penalty("s", 7.0, 60) == 7.0


def _grades():
    grades = export.Grades([("01_x", 16.0), ("02_y", 17.0)],
                           [export.Person("s1", "Ada", "Lovelace", "ada@example.org", "101", "A"),
                            export.Person("s2")])
    grades.scores = {("s1", "01_x"): 15.5, ("s1", "02_y"): None, ("s2", "01_x"): 0.0, ("s2", "02_y"): 17.0}
    return grades


def test_canvas_and_moodle_files_have_the_documented_columns():
    assert export.canvas_csv(_grades()).splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,01_x,02_y",
        "Points Possible,,,,,16,17",
        '"Lovelace, Ada",101,s1,s1,A,15.5,',
        "s2,,s2,s2,,0,17",
    ]
    assert export.moodle_csv(_grades()).splitlines() == [
        "First name,Last name,ID number,Institution,Department,Email address,"
        "Manual item: 01_x (Real),Manual item: 02_y (Real)",
        "Ada,Lovelace,s1,,,ada@example.org,15.5,",
        ",,s2,,,,0,17",
    ]


def test_bad_roster_lines_are_reported_not_dropped(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,first_name\ns1,Ada\n,Nobody\ns1,Again\n")
    people, problems = export.read_roster(roster)
    assert [p.student_id for p in people] == ["s1"]
    assert [p[2] for p in problems] == ["roster line 3: no student_id: left out",
                                        "roster line 4: s1 is listed twice: the first line is used"]
    roster.write_text("name\nAda\n")
    with pytest.raises(CourseError, match="needs a header with student_id"):
        export.read_roster(roster)


# --- the term on the graded sample class ------------------------------------------------------


def typed(*args, text: str):
    """`ftcourse` with `text` typed at its prompts: (exit code, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "ftcourse", *args], input=text, capture_output=True, text=True,
                          env=dict(os.environ), cwd=ROOT, timeout=300)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def term(graded_class, tmp_path_factory):
    """A copy of the graded sample class, hand-graded from the terminal as an instructor would:
    near_copy_a's open answers in one session stopped half-way and resumed (a wrong entry on the
    way), then one autograded score adjusted with a comment. (workspace, the two sessions' output)"""
    workspace = tmp_path_factory.mktemp("term") / "workspace"
    shutil.copytree(graded_class[1], workspace)
    base = ["grade", "--manual", "--workspace", str(workspace), "--assignment", "06", "--student", "near_copy_a"]
    # open1: "5" is refused, then 2 with ready-made comment 1; open2: 1.5 and a typed comment; then quit
    code, first, err = typed(*base, text="5\n2\n1\n1.5\nsay why batches are faster\nq\n")
    assert code == 0, err[-2000:]
    # open3: 1 and no comment; open4: 2, "-" clears the comment; open5: 0 and a typed comment
    code, second, err = typed(*base, text="1\n\n2\n-\n0\ngive an advantage besides memory\n")
    assert code == 0, err[-2000:]
    code, _, err = run_ftcourse("grade", "--manual", "--workspace", str(workspace), "--assignment", "02",
                                "--student", "blank", "--cell", "ex1_tests", "--points", "1",
                                "--comment", "right idea, wrong split sizes")
    assert code == 0, err[-2000:]
    return workspace, first, second


def _grades_of(workspace, student, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student)
        scores = {g.name: (g.manual_score, g.needs_manual_grade) for g in notebook.grades}
        comments = {c.name: c.manual_comment for c in notebook.comments}
        total = gb.find_submission(assignment, student).score
    return scores, comments, total


@pytest.mark.slow
@pytest.mark.grading
def test_hand_grading_shows_the_rubric_checks_points_and_resumes(term):
    workspace, first, second = term
    assert "model answer:" in first and "rubric:" in first and "[1] TrainingArguments gathers" in first
    assert "5 is outside 0-2" in first
    assert "stopped: what you graded is saved" in first and "graded 2, skipped 0, left 3" in first
    assert "[1/3] near_copy_a · 06_practice_quiz · open3" in second  # resumed where it stopped
    scores, comments, total = _grades_of(workspace, "near_copy_a", QUIZ)
    assert {c: scores[c] for c in OPEN} == {"open1": (2.0, False), "open2": (1.5, False), "open3": (1.0, False),
                                           "open4": (2.0, False), "open5": (0.0, False)}
    assert comments["open1"] == rubric.load("06")["open1"].comments[0]
    assert comments["open2"] == "say why batches are faster"
    assert comments["open3"] is None and comments["open5"] == "give an advantage besides memory"
    assert total == EXPECTED["near_copy_a"][QUIZ] + BY_HAND
    scores, comments, _ = _grades_of(workspace, "blank", "02_custom_datasets")
    assert scores["ex1_tests"] == (1.0, False) and comments["ex1_answer"] == "right idea, wrong split sizes"


@pytest.mark.slow
@pytest.mark.grading
def test_feedback_folders_zips_and_release_carry_the_hand_grading(term, tmp_path):
    from nbgrader.utils import notebook_hash

    workspace, _, _ = term
    exchange = tmp_path / "exchange"
    code, out, err = run_ftcourse("feedback", "--workspace", str(workspace), "--assignment", "06",
                                  "--student", "near_copy_a", "--student", "near_copy_b", "--release",
                                  "--exchange", str(exchange))
    assert code == 0, err[-2000:]
    folder = workspace / "handback" / "near_copy_a"
    page = (folder / f"{QUIZ}.html").read_text(encoding="utf-8")
    assert "say why batches are faster" in page and "give an advantage besides memory" in page
    assert "<script src=\"http" not in page and "cdn" not in page.lower()
    rows = list(csv.DictReader(io.StringIO((folder / "scores.csv").read_text())))
    assert {r["cell"]: (r["score"], r["why points were lost"]) for r in rows if r["cell"] in OPEN} == {
        "open1": ("2", ""), "open2": ("1.5", "say why batches are faster"), "open3": ("1", "graded by hand"),
        "open4": ("2", ""), "open5": ("0", "give an advantage besides memory")}
    assert f"{EXPECTED['near_copy_a'][QUIZ] + BY_HAND:g} / {EXPECTED['reference'][QUIZ] + 10:g}" in (folder / "scores.html").read_text()
    with zipfile.ZipFile(workspace / "handback" / "near_copy_a.zip") as archive:
        assert sorted(archive.namelist()) == [f"near_copy_a/{QUIZ}.html", "near_copy_a/scores.csv",
                                              "near_copy_a/scores.html"]
    # near_copy_b came through nbgrader's exchange (submission_secret.txt): released there, under
    # the name the student's Assignment List looks for; near_copy_a did not, and is told so
    released = exchange / "ftcourse" / "feedback" / f"{notebook_hash(secret=COLLECTED_SECRET, notebook_id=QUIZ)}.html"
    assert released.is_file()
    assert "waiting to be graded by hand" in (workspace / "handback" / "near_copy_b" / "scores.csv").read_text()
    assert "near_copy_b: near_copy_b.zip, 1 feedback page(s), released: 06_practice_quiz" in out
    assert "near_copy_a: near_copy_a.zip, 1 feedback page(s), released: none" in out
    assert "no submission_secret.txt" in out


@pytest.mark.slow
@pytest.mark.grading
def test_exports_carry_scores_points_and_late_penalties(term, tmp_path):
    workspace, _, _ = term
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,first_name,last_name,email,lms_user_id,section\n"
                      "near_copy_a,Ada,Lovelace,ada@example.org,101,A\n"
                      "near_copy_b,Bob,Byte,bob@example.org,102,A\n"
                      "reference,Rita,Ref,rita@example.org,103,B\n"
                      "ghost,Gus,Host,gus@example.org,104,B\n")
    out_dir = tmp_path / "export"
    # near_copy_b handed the quiz in at 2026-10-02 09:30 UTC (its timestamp.txt): 9.5 hours late
    code, out, err = run_ftcourse("export", "--workspace", str(workspace), "--out", str(out_dir), "--roster",
                                  str(roster), "--due", "06=2026-10-01 23:59", "--penalty", "per_day",
                                  "--percent-per-day", "10")
    assert code == 0, err[-2000:]
    lost = EXPECTED["near_copy_b"][QUIZ] / 10  # one started day late: 10% of the score
    assert f"late: near_copy_b 06_practice_quiz: 9.5 h after the due date, -{lost:g} points" in out
    from nbgrader.api import Gradebook

    names = ["01_trainer_api", "02_custom_datasets", "03_lora_peft", "04_evaluation", "05_instruction_tuning", QUIZ]
    with Gradebook(f"sqlite:///{workspace / 'gradebook.db'}") as gb:
        possible = ",".join(f"{gb.find_assignment(n).max_score:g}" for n in names)
    reference = ",".join(f"{EXPECTED['reference'][n]:g}" for n in names)
    copied = f"{EXPECTED['near_copy_a']['02_custom_datasets']:g}"
    quiz_a = f"{EXPECTED['near_copy_a'][QUIZ] + BY_HAND:g}"
    canvas = (out_dir / "canvas.csv").read_text().splitlines()
    assert canvas == [
        "Student,ID,SIS User ID,SIS Login ID,Section,01_trainer_api,02_custom_datasets,03_lora_peft,"
        "04_evaluation,05_instruction_tuning,06_practice_quiz",
        f"Points Possible,,,,,{possible}",
        f'"Lovelace, Ada",101,near_copy_a,near_copy_a,A,0,{copied},0,0,0,{quiz_a}',
        f'"Byte, Bob",102,near_copy_b,near_copy_b,A,0,{copied},0,0,0,',  # open answers not graded yet
        f'"Ref, Rita",103,reference,reference,B,{reference}',
        '"Host, Gus",104,ghost,ghost,B,0,0,0,0,0,0',
    ]
    moodle = (out_dir / "moodle.csv").read_text().splitlines()
    assert moodle[0] == ("First name,Last name,ID number,Institution,Department,Email address,"
                         + ",".join(f"Manual item: {a} (Real)" for a in ["01_trainer_api", "02_custom_datasets",
                                                                          "03_lora_peft", "04_evaluation", "05_instruction_tuning", QUIZ]))
    assert moodle[1] == f"Ada,Lovelace,near_copy_a,,,ada@example.org,0,{copied},0,0,0,{quiz_a}"
    nbgrader = {(r["student_id"], r["assignment"]): r for r in csv.DictReader((out_dir / "nbgrader.csv").open())}
    assert list(next(iter(nbgrader.values()))) == ["assignment", "duedate", "timestamp", "student_id", "last_name",
                                                   "first_name", "email", "raw_score", "late_submission_penalty",
                                                   "score", "max_score"]
    late = nbgrader[("near_copy_b", QUIZ)]
    raw = EXPECTED["near_copy_b"][QUIZ]  # one started day late: 10% of it
    assert (late["raw_score"], late["late_submission_penalty"], late["score"]) == (str(raw), str(raw / 10),
                                                                                str(raw - raw / 10))
    assert nbgrader[("near_copy_a", QUIZ)]["score"] == str(float(quiz_a))
    problems = (out_dir / "problems.csv").read_text()
    assert "near_copy_b,06_practice_quiz,5 answer(s) still to be graded by hand" in problems
    assert "ghost,06_practice_quiz,no submission: exported as 0" in problems
    assert "blank,,in the gradebook but not in the roster" in problems
    assert problems.count("\n") - 1 == len([line for line in out.splitlines() if line.startswith("  ")])


def _second_half_tests(assignment: str) -> set:
    """The tests of the answers the partial student left blank: sample_class answers the first half
    of the answer cells of the notebook it hands in (read here, not the lesson's current version)."""
    student = nbformat.read(str(FOLDER / "partial" / f"{assignment}.ipynb"), 4)
    answers = list(points(student))
    left = set(answers[(len(answers) + 1) // 2:])
    tests, last = set(), None
    for cell in student.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            last = meta["grade_id"]
        elif meta.get("grade") and not meta.get("solution") and last in left:
            tests.add(meta["grade_id"])
    return tests


@pytest.mark.slow
@pytest.mark.grading
def test_report_flags_planted_failures_and_finds_exactly_the_near_copies(term, tmp_path):
    from ftcourse.instructor.report import report
    from ftcourse.instructor.workspace import Workspace

    workspace, _, _ = term
    page, printed = tmp_path / "report.html", []
    analysed, pairs, _ = report(Workspace.at(workspace), out=page, log=printed.append)
    analysed, out = {a.name: a for a in analysed}, "\n".join(printed)
    expected = {p.name: set(p.iterdir()) for p in FOLDER.iterdir() if p.is_dir()}
    for name, found in analysed.items():
        for item in found.items:
            assert "blank" in item.who[NOT_ANSWERED], (name, item.cell)  # blank fails every test, unanswered
            assert f"not answered by {item.reasons[NOT_ANSWERED]}" in item.flags
        if any(p.stem == name or p.name == name for p in expected["partial"]):
            unanswered = {item.cell for item in found.items if "partial" in item.who.get(NOT_ANSWERED, [])}
            assert unanswered == _second_half_tests(name), name
            assert all("partial" not in sum(item.who.values(), []) for item in found.items
                       if item.cell not in unanswered), name  # the half it answered, it passed
    assert {(p.assignment, p.first, p.second) for p in pairs} == {
        ("02_custom_datasets", "near_copy_a", "near_copy_b"), (QUIZ, "near_copy_a", "near_copy_b")}
    assert "02_custom_datasets: near_copy_a and near_copy_b" in out and "ex1_tests" in out
    text = page.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == len(analysed)
    assert "http://" not in text and "https://" not in text
    assert "tokenize_news" in text and "def encode(batch)" in text  # the pair's cells side by side


@pytest.mark.slow
@pytest.mark.grading
@pytest.mark.browser
def test_the_formgrader_serves_the_gradebook_and_an_open_answer_to_grade(term, tmp_path, page):  # noqa: F811
    """`ftcourse lab --instructor`: nbgrader's formgrader on 127.0.0.1 on this workspace's gradebook,
    its grading page showing near_copy_b's open answer, still to be graded by hand, in Chromium."""
    import json
    import urllib.request

    workspace, _, _ = term
    with ftcourse_server(tmp_path, "--instructor", "--workspace", str(workspace), path="formgrader") as (base, token):
        def get(path):
            return urllib.request.urlopen(f"{base}{path}?token={token}", timeout=30).read().decode()

        assert {a["name"] for a in json.loads(get("/formgrader/api/assignments"))} >= {"02_custom_datasets", QUIZ}
        notebooks = {n["student"]: n for n in json.loads(get(f"/formgrader/api/submitted_notebooks/{QUIZ}/{QUIZ}"))}
        assert notebooks["near_copy_b"]["needs_manual_grade"] and not notebooks["near_copy_a"]["needs_manual_grade"]
        html = get(f"/formgrader/submissions/{notebooks['near_copy_b']['id']}/")
        answer = next(c.source for c in nbformat.read(
            str(FOLDER / "near_copy_b" / QUIZ / f"{QUIZ}.ipynb"), 4).cells
            if c.metadata.get("nbgrader", {}).get("grade_id") == "open1")
        assert answer[:60] in html
        # the same page in Chromium: the answer shown, with the box for its points
        page.goto(f"{base}/formgrader/submissions/{notebooks['near_copy_b']['id']}/?token={token}")
        page.get_by_text(answer.split("\n")[0][:60]).first.wait_for(timeout=60_000)
        score = page.locator("input.score#open1")
        score.wait_for(timeout=60_000)
        score.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "formgrader-open-answer.png"))
