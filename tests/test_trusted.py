"""The trusted checks: a test runs outside the student's kernel, on exported data, and a student's
function runs in an isolated process of its own; whatever that code does, only plain values and
the grader's own verdicts come back."""
import pytest

from ftcourse.instructor import sandbox
from ftcourse.instructor.verdicts import decide
from ftcourse.shared.settings import RunSettings
from ftcourse.student import export

ANSWER = """import os
print("noise from the student")

def double(x):
    return 2 * x

def forever(x):
    while True:
        pass

def vanish(x):
    os._exit(3)

def odd(x):
    return object()

def peek(x):
    import pathlib
    return [str(p) for p in pathlib.Path(x).parent.iterdir()] if pathlib.Path(x).exists() else "hidden"
"""


def spec(test_id, source, needs, answer=ANSWER):
    return {"id": test_id, "variant": None, "export": f".ftcourse/exports/{test_id}", "source": source,
            "needs": needs, "answer": answer}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    sandbox.check_available()
    workdir = tmp_path_factory.mktemp("notebook")
    workspace = tmp_path_factory.mktemp("workspace")
    (workspace / ".secret").write_text("not for students\n")
    settings = RunSettings.resolve(profile="ci", cell_timeout=8, workspace=workspace)
    namespace = {"answer": 42, "double": None, "forever": None, "vanish": None, "odd": None, "peek": None}
    import os

    here = os.getcwd()
    os.chdir(workdir)
    try:
        for test_id, names in (("passes", ["answer"]), ("fails", ["answer"]), ("calls", ["double"]),
                               ("loops", ["forever"]), ("dies", ["vanish"]), ("odd", ["odd"]), ("peeks", ["peek"])):
            values = {name: namespace[name] for name in names}
            values.update({name: (lambda x: x) for name in names if name != "answer"})  # functions, as in a kernel
            export.save(test_id, names, values)
    finally:
        os.chdir(here)
    tests = [
        spec("passes", "from ftcourse.student import checks\nchecks.expect(answer == 42, 'answer', '42', answer)\n"
                       "print('checked')", ["answer"]),
        spec("fails", "from ftcourse.student import checks\nchecks.expect(answer == 41, 'answer', 'another number', "
                      "answer)", ["answer"]),
        spec("calls", "from ftcourse.student import checks\nrng = checks.unseen_rng()\nx = int(rng.integers(1000))\n"
                      "assert double(x) == 2 * x\nprint('input', x)", ["double"]),
        spec("loops", "forever(1)", ["forever"]),
        spec("dies", "vanish(1)", ["vanish"]),
        spec("odd", "odd(1)", ["odd"]),
        spec("peeks", f"print(peek({str(workspace / '.secret')!r}))", ["peek"]),
        spec("unexported", "answer", ["answer"]),
    ]
    job = {"assignment": "demo", "profile": "ci", "timeout": 8, "key": b"k1".hex()}
    found = decide(tests, job, workdir, settings, tmp_path_factory.mktemp("scratch"))
    again = decide(tests[2:3], {**job, "key": b"k2".hex()}, workdir, settings, tmp_path_factory.mktemp("scratch"))
    return {v["id"]: v for v in found}, again[0]


def test_a_test_passes_on_exported_data_and_keeps_its_own_output(verdicts):
    found, _ = verdicts
    assert found["passes"]["passed"] and found["passes"]["output"] == "checked\n"


def test_a_failing_check_is_its_message(verdicts):
    found, _ = verdicts
    assert found["fails"] == {**found["fails"], "passed": False, "ename": "CheckFailed",
                              "evalue": "answer: expected another number; found 42"}


def test_a_function_runs_its_answer_cell_in_isolation_on_unseen_inputs(verdicts):
    found, other_key = verdicts
    assert found["calls"]["passed"], found["calls"]
    assert "noise from the student" not in found["calls"]["output"]
    assert other_key["passed"] and other_key["output"] != found["calls"]["output"], "the secret decides the inputs"


@pytest.mark.parametrize("test_id, reason", [
    ("loops", "forever(...) did not return within 8 s"),
    ("dies", "vanish(...) ended the process it ran in"),
    ("odd", "odd(...) returned something the grader cannot read"),
    ("unexported", "this test's values were never exported"),
])
def test_what_the_student_code_does_wrong_fails_only_its_test(verdicts, test_id, reason):
    found, _ = verdicts
    assert not found[test_id]["passed"] and reason in found[test_id]["evalue"], found[test_id]


def test_the_isolated_answer_cannot_see_the_workspace(verdicts):
    found, _ = verdicts
    assert found["peeks"]["passed"] and found["peeks"]["output"].strip() == "hidden"
