"""nbgrader preprocessors the course adds to autograding."""
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


class VerifyOutcomes(Preprocessor):
    """Fail a test cell whose outcome check (see outcomes.py) fails on what the student saved.

    The checks come from the instructor's source notebook, never from the submission, and run
    in the sandbox, in the notebook's folder, after the whole notebook has run."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        import os
        from pathlib import Path

        from .course import source_notebook

        specs = outcome_specs(source_notebook(resources["nbgrader"]["assignment"]))
        workdir = Path(resources["metadata"]["path"])
        sandboxed = os.environ.get("FTCOURSE_SANDBOX", "1") == "1"
        for cell in nb.cells:
            spec = specs.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
            if spec is None or any(o.output_type == "error" for o in cell.outputs):
                continue
            result = run_outcome(spec, workdir, sandboxed)
            if not result["passed"]:
                cell.outputs.append(self._node({"output_type": "error", "ename": "OutcomeCheckFailed",
                                                "evalue": result["message"],
                                                "traceback": [f"OutcomeCheckFailed: {result['message']}"]}))
        return nb, resources

    _node = staticmethod(LimitOutputBytes._node)


def outcome_specs(notebook_path) -> dict:
    """grade_id -> {"outcome": name, "args": {...}} from a trusted (source) notebook."""
    import nbformat

    nb = nbformat.read(str(notebook_path), as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: dict(cell.metadata["ftcourse"])
            for cell in nb.cells if "outcome" in cell.metadata.get("ftcourse", {}) and "nbgrader" in cell.metadata}


def run_outcome(spec: dict, workdir, sandboxed: bool = True) -> dict:
    import json
    import subprocess
    import sys

    from . import sandbox

    # -I: the notebook folder is the working folder, and files the student left there must not
    # shadow the modules the check imports
    argv = [sys.executable, "-I", "-m", "ftcourse.instructor.outcomes", spec["outcome"], json.dumps(spec.get("args", {}))]
    if sandboxed:
        done = subprocess.run(sandbox.command(argv, workdir, []), cwd=workdir, env=sandbox.kernel_env(),
                              capture_output=True, text=True, timeout=900)
    else:
        done = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=900)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"passed": False, "message": f"the outcome check could not run: {(done.stderr.strip().splitlines() or ['?'])[-1]}"}


class RejectTampering(Preprocessor):
    """Fail every test cell of a notebook whose own code changes the test machinery (tampering.py)."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        from .tampering import findings

        found = [f"cell {i + 1}, {finding}" for i, cell in enumerate(nb.cells)
                 if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade")
                 for finding in findings(cell.source)]
        if found:
            reason = "the submission changes the test machinery (" + "; ".join(found[:3]) + ")"
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
                    cell.outputs.append(LimitOutputBytes._node({
                        "output_type": "error", "ename": "TamperingDetected", "evalue": reason,
                        "traceback": [f"TamperingDetected: {reason}"]}))
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
