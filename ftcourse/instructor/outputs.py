"""The deterministic outputs of a lesson, checked as nbval checks them, on a run that already happened.

Cells marked `# NBVAL_CHECK_OUTPUT` in the instructor source print things that must not change
(sizes, features, counts). nbval would execute the notebook once more to compare them; instead,
the reference submission that validation grades anyway (the student version filled with the
instructor's answers, run in the sandboxed kernel) is compared with the outputs saved in the
source, with nbval's own comparison (`IPyNbCell.compare_outputs`: same keys, same values, streams
merged, images and widget ids skipped). One run serves grading, both-ways validation and this.
"""
from types import SimpleNamespace

MARKER = "# NBVAL_CHECK_OUTPUT"


class _Comparison:
    """Just enough of an nbval cell item to run its comparison outside pytest."""

    def __init__(self):
        from nbval.plugin import IPyNbCell, nocolors

        self.colors = nocolors
        self.parent = SimpleNamespace(sanitize_patterns={}, skip_compare=(
            "metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
            "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"))
        self._compare = IPyNbCell.compare_outputs
        self.sanitize = lambda s: IPyNbCell.sanitize(self, s)

    def format_output_compare(self, key, left, right):
        self.comparison_traceback.append(f"mismatch in {key!r}:\n  saved:    {str(left)[:300]!r}\n"
                                         f"  this run: {str(right)[:300]!r}")

    def same(self, test, ref) -> bool:
        return self._compare(self, test, ref)


def checked_cells(notebook) -> list:
    return [c for c in notebook.cells if c.cell_type == "code" and MARKER in c.source]


def mismatches(executed, reference) -> list:
    """One line per `# NBVAL_CHECK_OUTPUT` cell whose output in `executed` differs from `reference`."""
    from nbval.plugin import coalesce_streams

    runs = {}
    for cell in checked_cells(executed):
        runs.setdefault(cell.source, []).append(cell)
    found, comparison = [], _Comparison()
    for number, cell in enumerate(checked_cells(reference), 1):
        if cell.get("execution_count") is None:
            continue  # never run in the source: nothing to compare with
        candidates = runs.get(cell.source) or []
        if not candidates:
            found.append(f"checked cell {number} ({cell.source.splitlines()[1][:60]!r}) is missing from the run")
            continue
        ran = candidates.pop(0)
        comparison.comparison_traceback = []
        if not comparison.same(coalesce_streams(ran.get("outputs", [])), coalesce_streams(cell.get("outputs", []))):
            first = next((line for line in cell.source.splitlines()[1:] if line.strip()), "")
            found.append(f"checked cell {number} ({first[:60]!r}) printed something else: "
                         + " ".join(comparison.comparison_traceback)[:600])
    return found
