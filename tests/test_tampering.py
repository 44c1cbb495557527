"""The scan for submissions that rewire the tests."""
from ftcourse.instructor.tampering import findings


def test_changes_to_test_machinery_are_found():
    code = ("import ftcourse.student.checks as c\nc.expect = lambda *a, **k: None\n"
            "from ftcourse.student import checks\nsetattr(checks, 'expect', print)\n"
            "import builtins\nbuiltins.len = lambda x: 3\nAssertionError = Exception\n"
            "import sys\nsys.modules['ftcourse.student.checks'] = None\n")
    assert findings(code) == ["line 2: changes c.expect", "line 6: changes builtins.len",
                              "line 7: redefines AssertionError",
                              "line 9: changes sys.modules['ftcourse.student.checks']",
                              "line 4: setattr() on checks"]


def test_ordinary_answers_are_not_flagged():
    code = ("reviews = load_dataset('csv', data_files=files)\nreviews['train'] = reviews['train'].select(range(8))\n"
            "import torch\ntorch.backends.cudnn.deterministic = True\nmodel.config.id2label = {0: 'neg'}\n"
            "%time trainer.train()\n")
    assert findings(code) == []
