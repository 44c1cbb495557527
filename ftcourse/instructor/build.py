"""Student versions: nbgrader's generate_assignment turns solutions/<lesson> into notebooks/<lesson>
(solutions replaced by stubs, hidden tests removed, outputs cleared, checksums added)."""
import tempfile
from pathlib import Path

from ..shared.catalogue import ROOT, names as lessons, source_notebook
from ..shared.nbconfig import nbgrader_config


def generate(lesson: str, release_dir: Path = ROOT / "notebooks") -> Path:
    """Write the student version of `lesson` under `release_dir`; return its path."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    source_notebook(lesson)
    with tempfile.TemporaryDirectory() as scratch:
        config = nbgrader_config(**{"CourseDirectory.release_directory": str(release_dir),
                                    "CourseDirectory.db_url": f"sqlite:///{scratch}/gradebook.db"})
        api = NbGraderAPI(CourseDirectory(config=config), config=config)
        result = api.generate_assignment(lesson, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader could not generate {lesson}:\n{result['log']}{result.get('error', '')}")
    student = release_dir / lesson / f"{lesson}.ipynb"
    _drop_widget_state(student)
    return student


def _drop_widget_state(path: Path) -> None:
    """Progress-bar widget state from the instructor's run means nothing in a fresh copy."""
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    if notebook.metadata.pop("widgets", None) is not None:
        nbformat.write(notebook, str(path))


def generate_all(release_dir: Path = ROOT / "notebooks") -> list:
    return [generate(lesson, release_dir) for lesson in lessons()]


def execute_source(lesson: str, profile: str = "ci", log=print) -> Path:
    """Run the instructor source top to bottom in a fresh kernel (in runs/sources/<lesson>/, tests in
    the kernel as an instructor's own run has them) and save its outputs into the source, so the
    outputs that `# NBVAL_CHECK_OUTPUT` cells are compared with come from a real run."""
    import nbformat

    from ..shared import execution

    path = source_notebook(lesson)
    notebook = nbformat.read(str(path), as_version=4)
    workdir = ROOT / "runs" / "sources" / lesson
    workdir.mkdir(parents=True, exist_ok=True)
    execution.execute(notebook, workdir, profile, progress=execution.Progress(notebook, lesson),
                      store_widget_state=True)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, str(path))
    log(f"{lesson}: source executed in the {profile} profile; outputs saved")
    return path
