"""nbgrader preprocessors the course adds to autograding, one job each.

Autograding runs them in this order (see `config.grading_config`): `SubstituteExports` turns every
test cell into an export of the values its test reads, `ExecuteThroughCrashes` runs the notebook
in the sandboxed kernel, `TrustedVerdicts` runs the tests outside that kernel and writes their
verdicts as the test cells' only outputs, `LimitOutputBytes` cuts oversized outputs, and nbgrader's
own preprocessors save the grades. For feedback, `HideHiddenTestsInTracebacks` trims tracebacks.
"""
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer


class LimitOutputBytes(Preprocessor):
    """Cut each cell's output to `max_bytes`: nbgrader's own limit counts lines, so a single
    50 MB print would otherwise travel whole into the gradebook and the feedback."""

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled
    max_bytes = Integer(100_000, help="bytes of output kept per cell").tag(config=True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            total = sum(self._size(o) for o in cell.outputs)
            if total <= self.max_bytes:
                continue
            budget, kept = self.max_bytes, []
            for output in cell.outputs:
                if output.output_type == "stream" and budget > 0:
                    output.text = output.text[:budget]
                    budget -= len(output.text)
                    kept.append(output)
                elif output.output_type == "error" or self._size(output) <= budget:
                    budget -= self._size(output)
                    kept.append(output)
            kept.append({"output_type": "stream", "name": "stdout",
                         "text": f"\n[output cut by the grader: {total / 1e6:.1f} MB is more than "
                                 f"{self.max_bytes / 1e3:.0f} kB]\n"})
            cell.outputs = [self._node(o) for o in kept]
        return nb, resources

    @staticmethod
    def _size(output) -> int:
        if output.get("output_type") == "stream":
            return len(output.get("text", ""))
        return sum(len(str(v)) for v in output.get("data", {}).values()) + len(str(output.get("traceback", "")))

    @staticmethod
    def _node(output):
        from nbformat import from_dict

        return from_dict(output)


class HideHiddenTestsInTracebacks(Preprocessor):
    """Feedback: a failing test cell's traceback quotes the source lines around the failure, the
    hidden tests among them. Keep only its last line (the check's own message says what was
    expected and what was found)."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                for output in cell.outputs:
                    if output.output_type == "error":
                        output.traceback = output.traceback[-1:]
        return nb, resources


def _execute_base():
    from nbgrader.preprocessors import Execute

    return Execute


class ExecuteThroughCrashes(_execute_base()):
    """nbgrader's Execute, except that a kernel that dies does not sink the whole notebook: the
    cell that killed it and every later cell are marked as failed, and grading goes on, so the
    tests that passed before the crash keep their points."""

    def preprocess(self, nb, resources, km=None):
        self._died_in = None
        return super().preprocess(nb, resources, km=km)

    def preprocess_cell(self, cell, resources, index):
        from nbclient.exceptions import DeadKernelError

        if cell.cell_type != "code":
            return cell, resources
        if self._died_in is not None:
            cell.outputs = [self._error("NotRun", f"not run: the kernel died in cell {self._died_in + 1}")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died_in = index
            cell.outputs.append(self._error("DeadKernelError", "the kernel died while running this cell"))
            return cell, resources

    @staticmethod
    def _error(name, message):
        return LimitOutputBytes._node({"output_type": "error", "ename": name, "evalue": message,
                                       "traceback": [f"{name}: {message}"]})


def _student_cells(lesson: str) -> dict:
    """grade_id -> cell of the lesson's student version."""
    import nbformat

    from ..shared.catalogue import student_notebook
    from .cells import grade_id

    return {grade_id(c): c for c in nbformat.read(str(student_notebook(lesson)), as_version=4).cells if grade_id(c)}


def _code_cell(source: str, role: str):
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(source)
    cell.metadata["ftcourse"] = {"injected": role}
    return cell


def _export_call(test: str, names: list, files: list) -> str:
    return (f"__import__('ftcourse.student.export', fromlist=['save']).save({test!r}, {names!r}, globals(), "
            f"{files!r})")


class SubstituteExports(Preprocessor):
    """Before the notebook runs: each test cell becomes one call that exports the values its test
    reads (`ftcourse.student.export`). No test code, visible or hidden, runs in the student's kernel.
    The tests come from the instructor's source notebook, never from the submission. With the run's
    `variants` setting (instructor checks only), each answer's reference variants are tried first."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        import nbformat

        from ..shared.catalogue import source_notebook
        from ..shared.settings import RunSettings
        from . import cells as cell_kind
        from . import variants as variant_file

        lesson = resources["nbgrader"]["assignment"]
        source = nbformat.read(str(source_notebook(lesson)), as_version=4)
        tests, tests_of = {}, {}
        for index, cell in enumerate(source.cells):
            if cell_kind.is_test(cell):
                answer = cell_kind.answer_before(source.cells, index)
                spec = {"id": cell_kind.grade_id(cell), "source": cell.source, "needs": cell_kind.needs(cell.source),
                        "files": list(cell.metadata.get("ftcourse", {}).get("files", [])),
                        "answer_id": cell_kind.grade_id(answer) if answer is not None else None}
                tests[spec["id"]] = spec
                tests_of.setdefault(spec["answer_id"], []).append(spec)
        settings = RunSettings.current()
        tried = [v for v in variant_file.load(lesson) if settings.slow_variants or not v.slow] \
            if settings.variants and settings.variants == resources["nbgrader"]["student"] else []
        student = _student_cells(lesson) if tried else {}
        plan, cells = [], []
        for cell in nb.cells:
            gid = cell_kind.grade_id(cell)
            for variant in (v for v in tried if cell_kind.is_answer(cell) and v.answer == gid):
                code = variant_file.cell_source(student[gid].source, variant.code)
                cells.append(_code_cell("__import__('ftcourse.instructor.snapshot', fromlist=['begin'])"
                                        ".begin(globals())", "begin"))
                cells.append(_code_cell(code, "variant"))
                for spec in tests_of.get(gid, []):
                    export = f"{spec['id']}@{variant.id}"
                    cells.append(_code_cell(_export_call(export, spec["needs"], spec["files"]), "export"))
                    plan.append({**spec, "variant": variant.id, "correct": variant.correct, "why": variant.why,
                                 "export": f".ftcourse/exports/{export}", "answer": code})
                cells.append(_code_cell("__import__('ftcourse.instructor.snapshot', fromlist=['end'])"
                                        ".end(globals())", "end"))
            if cell_kind.is_test(cell) and gid in tests:
                spec = tests[gid]
                cell.source = _export_call(gid, spec["needs"], spec["files"])
                plan.append({**spec, "variant": None, "export": f".ftcourse/exports/{gid}"})
            cells.append(cell)
        nb.cells = cells
        resources.setdefault("ftcourse", {})["plan"] = plan
        return nb, resources


class TrustedVerdicts(Preprocessor):
    """After the notebook ran: each test runs in the trusted process on what the kernel exported
    (`verdicts.decide`), and its verdict becomes the test cell's only output, so nothing the
    student's code printed or hooked can stand in a test cell, in the grade or in the feedback.
    Cells put in for variants leave the notebook; their verdicts go to `.ftcourse/variants.json`."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        import json
        import shutil
        import tempfile
        from pathlib import Path

        from ..shared.settings import RunSettings
        from . import cells as cell_kind
        from .secret import course_key
        from .verdicts import decide

        settings = RunSettings.current()
        plan = resources.get("ftcourse", {}).get("plan", [])
        workdir = Path(resources["metadata"]["path"]).resolve()
        for spec in plan:
            if spec["variant"] is None:
                index = next(i for i, c in enumerate(nb.cells) if cell_kind.grade_id(c) == spec["id"])
                answer = cell_kind.answer_before(nb.cells, index)
                spec["answer"] = answer.source if answer is not None else ""
        job = {"assignment": resources["nbgrader"]["assignment"], "profile": settings.profile,
               "timeout": settings.timeout, "key": course_key(settings.workspace).hex()}
        with tempfile.TemporaryDirectory(prefix="ftcourse-verdicts-") as scratch:
            verdicts = decide(plan, job, workdir, settings, Path(scratch)) if plan else []
        by_test = {(v["id"], v.get("variant")): v for v in verdicts}
        sources = {spec["id"]: spec["source"] for spec in plan if spec["variant"] is None}
        for cell in nb.cells:
            gid = cell_kind.grade_id(cell)
            if cell_kind.is_test(cell) and gid in sources:
                cell.source = sources[gid]
                cell.outputs = self._outputs(by_test.get((gid, None)))
        nb.cells = [c for c in nb.cells if "injected" not in c.metadata.get("ftcourse", {})]
        tried = [{"answer": spec["answer_id"], "id": spec["variant"], "test": spec["id"], "correct": spec["correct"],
                  "why": spec["why"], "passed": bool(by_test.get((spec["id"], spec["variant"]), {}).get("passed")),
                  "reason": _reason(by_test.get((spec["id"], spec["variant"])))}
                 for spec in plan if spec["variant"] is not None]
        shutil.rmtree(workdir / ".ftcourse" / "exports", ignore_errors=True)
        if tried:
            reference = [{"test": spec["id"], "passed": bool(by_test.get((spec["id"], None), {}).get("passed"))}
                         for spec in plan if spec["variant"] is None]
            (workdir / ".ftcourse").mkdir(exist_ok=True)
            (workdir / ".ftcourse" / "variants.json").write_text(json.dumps(
                {"reference": reference, "variants": _by_variant(tried)}, indent=1))
        return nb, resources

    @staticmethod
    def _outputs(verdict) -> list:
        from nbformat.v4 import new_output

        if verdict is None:
            verdict = {"passed": False, "ename": "GraderError", "evalue": "the grader has no verdict for this test"}
        outputs = []
        if verdict.get("output"):
            outputs.append(new_output("stream", name="stdout", text=verdict["output"]))
        if not verdict.get("passed"):
            outputs.append(new_output("error", ename=verdict.get("ename") or "Error", evalue=verdict.get("evalue", ""),
                                      traceback=[_reason(verdict)]))
        return outputs


def _reason(verdict) -> str:
    if not verdict:
        return "no verdict"
    if verdict.get("passed"):
        return ""
    return f"{verdict.get('ename')}: {verdict.get('evalue', '')}".strip().rstrip(":")


def _by_variant(rows: list) -> list:
    """One row per variant: passed only if every one of its tests passed."""
    merged = {}
    for row in rows:
        key = (row["answer"], row["id"])
        if key not in merged:
            merged[key] = {**row, "tests": []}
        merged[key]["tests"].append(row["test"])
        if not row["passed"]:
            merged[key]["passed"] = False
            merged[key]["reason"] = merged[key]["reason"] or row["reason"]
    for row in merged.values():
        row.pop("test", None)
        if row["passed"]:
            row["reason"] = ""
    return list(merged.values())
