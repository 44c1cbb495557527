"""The `ftcourse` terminal command: assets, profile, the course run, and instructor tools."""
import argparse
import sys
from pathlib import Path

from .shared.errors import CourseError


def cmd_assets(args) -> int:
    from .shared import assets, profiles

    profile = profiles.select()
    if args.action == "fetch":
        for asset in assets.wanted(profile, args.names):
            assets.fetch(asset, force=args.force, log=lambda msg: print(msg, file=sys.stderr))
        from .shared.data import sentiment_files

        print(f"sentiment splits ready in {sentiment_files()['train'].rsplit('/', 1)[0]}")
        return 0
    if args.action == "verify":
        bad, wanted = 0, assets.wanted(profile, args.names)
        for asset in assets.ASSETS + assets.ON_DEMAND:
            if asset not in wanted and not asset.path.exists():
                print(f"{asset.name}: not fetched (only {asset.needed_by} needs it)")
                continue
            found = assets.problems(asset)
            print(f"{asset.name}: {'ok' if not found else 'FAILED: ' + '; '.join(found)}")
            bad += bool(found)
        if bad:
            raise CourseError("some assets are missing or corrupt: run `ftcourse assets fetch --force`")
        return 0
    for asset in assets.ASSETS + assets.ON_DEMAND:  # info
        present = not assets.problems(asset) if args.check else assets.present(asset)
        note = f"  (not fetched{'; only ' + asset.needed_by + ' needs it' if asset in assets.ON_DEMAND else ''})"
        print(f"{asset.name}\n  what:    {asset.description}\n  source:  {asset.package}=={asset.version} "
              f"(PyPI)\n  license: {asset.license}\n  size:    "
              f"{asset.size / 1e6:.1f} MB\n  path:    {asset.path}{'' if present else note}")
    return 0


def cmd_profile(args) -> int:
    from .student.setup import prepare

    course = prepare(args.name)
    print(course.summary())
    if args.verbose:
        for key, value in course.profile.as_dict().items():
            print(f"  {key}: {value}")
    return 0


def cmd_run(args) -> int:
    from .instructor.answers import solved
    from .runner.lessons import run_course

    results = run_course(args.profile, names=[_lesson(n) for n in args.lessons] or None, out_dir=args.output,
                         notebook_for=solved)
    if args.record:
        from .runner.lessons import record
        from .shared.profiles import select

        print(f"recorded in {record(results, select(args.profile), args.record).with_suffix('.md')}")
    failed = [r["lesson"] for r in results if not r["ok"]]
    if failed:
        raise CourseError(f"lessons failed: {', '.join(failed)}: open their executed copies in {args.output}/ to see why")
    return 0


def cmd_build(args) -> int:
    from .instructor.build import execute_source, generate
    from .shared.catalogue import names

    for lesson in [_lesson(n) for n in args.lessons] or names():
        if args.execute:
            execute_source(lesson, args.profile or "ci")
        print(f"{lesson}: student version written to {generate(lesson)}")
    return 0


def run_settings(args, **extra):
    """The run's settings, resolved once from the command line (see `ftcourse grade --help`)."""
    from .shared.settings import RunSettings

    return RunSettings.resolve(profile=args.profile, cell_timeout=getattr(args, "cell_timeout", None),
                               threads=getattr(args, "threads", None), sandbox=not getattr(args, "no_sandbox", False),
                               workspace=getattr(args, "workspace", None), **extra)


def cmd_validate(args) -> int:
    from .instructor.validate import validate_all

    outcomes = validate_all(run_settings(args), names=[_lesson(n) for n in args.lessons] or None)
    for outcome in outcomes:
        verdict = "ok" if outcome.ok else "FAILED"
        want = "full marks" if outcome.version == "source" else "no marks"
        print(f"{outcome.lesson} {outcome.version} version ({want}): {verdict}")
        for problem in outcome.problems:
            print("    " + problem.replace("\n", "\n    "))
    if not all(o.ok for o in outcomes):
        raise CourseError("validation failed: fix the notebooks listed above, then `make student` and validate again")
    return 0


def cmd_grade(args) -> int:
    from .instructor.grade import grade, table

    if args.manual:
        return cmd_grade_manual(args)
    if not args.submissions:
        raise CourseError("name the submissions to grade (a folder or a zip), or add --manual to grade by hand")
    settings = run_settings(args, variants=args.variants, job_timeout=args.job_timeout)
    rows = grade(args.submissions, settings, workers=args.workers, cluster=args.cluster,
                 gpu_workers=args.gpu_workers, retries=args.retries, regrade=args.regrade)
    print(table(rows))
    print(f"\ngrades: {Path(settings.workspace) / 'grades.csv'}; feedback: {Path(settings.workspace) / 'feedback'}")
    return 0


def cmd_grade_manual(args) -> int:
    """`ftcourse grade --manual`: the cells graded by hand (or those named), one by one, resumable."""
    from .instructor import manual

    workspace = _workspace(args)
    assignment = _lesson(args.assignment) if args.assignment else None
    if args.points is not None:
        if not (assignment and args.student and args.cell and len(args.cell) == 1):
            raise CourseError("--points sets one score: give --assignment, --student and one --cell with it")
        item = manual.set_score(workspace, assignment, args.student, args.cell[0], args.points, args.comment)
        print(f"saved: {item.label}: {args.points:g} / {item.max_score:g}"
              + (f", comment: {item.comment}" if item.comment else ""))
        return 0
    if args.comment is not None:
        raise CourseError("--comment goes with --points (without them, the session asks for both)")
    counts = manual.session(workspace, assignment, args.student, args.cell, args.regrade)
    print(f"graded {counts['graded']}, skipped {counts['skipped']}, left {counts['left']}; "
          "`ftcourse feedback` puts the scores and comments into the feedback")
    return 0


def _workspace(args):
    from .instructor.workspace import Workspace

    return Workspace.at(args.workspace)


def cmd_feedback(args) -> int:
    from .instructor.release import hand_back

    results = hand_back(_workspace(args), assignments=args.assignment, students=args.student,
                        release=args.release, exchange=args.exchange)
    print(f"hand-back folders and zips: {results[0].folder.parent if results else '-'}")
    return 0


def cmd_export(args) -> int:
    from .instructor.export import export

    due = {}
    for entry in args.due or []:
        assignment, sep, when = entry.partition("=")
        if not sep or not when.strip():
            raise CourseError(f"--due {entry!r}: write it as ASSIGNMENT=DATE, e.g. 02=2026-10-01T23:59")
        due[assignment.strip()] = when.strip()
    export(_workspace(args), out_dir=args.out, roster=args.roster, due=due or None, penalty=args.penalty,
           percent_per_day=args.percent_per_day)
    return 0


def cmd_report(args) -> int:
    from .instructor.report import report

    if not 0 < args.threshold <= 1:
        raise CourseError(f"--threshold {args.threshold:g}: give a similarity between 0 and 1 (default 0.5)")
    report(_workspace(args), assignments=args.assignment, threshold=args.threshold, out=args.out)
    return 0


def cmd_mutants(args) -> int:
    import tempfile

    from .instructor import variants
    from .instructor.validate import validate_all, variant_results

    lessons = [_lesson(n) for n in args.lessons] or None
    with tempfile.TemporaryDirectory(prefix="ftcourse-mutants-") as scratch:
        outcomes = validate_all(run_settings(args, variants="reference", slow_variants=True), names=lessons,
                                keep=Path(scratch))
        summary = variants.report(variant_results(Path(scratch), lessons or [o.lesson for o in outcomes]))
    print(variants.format_report(summary))
    broken = [f"{o.lesson} {o.version}" for o in outcomes if not o.ok]
    if broken:
        raise CourseError(f"the reference runs themselves failed ({', '.join(broken)}): `ftcourse validate` says why")
    return 0


def _lesson(key) -> str:
    from .shared.catalogue import lesson

    return lesson(key).name


def cmd_smoke(args) -> int:
    from .runner.smoke import fine_tune

    result = fine_tune(args.profile, output_dir=args.output, limit=args.limit, lora=args.lora)
    print(f"smoke fine-tune ({result['profile']} profile, {result['model']}, {result['precision']}"
          f"{', LoRA' if result['lora'] else ''}): test accuracy {result['test_accuracy']:.3f} "
          f"on {result['test_examples']} reviews after {result['train_seconds']:.0f} s of training "
          f"on {result['train_examples']}; model saved in {result['model_dir']}")
    return 0


def cmd_lab(args) -> int:
    from .student import lab

    if args.instructor:
        return cmd_formgrade(args)
    if args.workspace:
        raise CourseError("--workspace goes with --instructor (the formgrader on a graded workspace)")
    return _serve(lab.start(port=args.port), lambda server: (
        f"JupyterLab is running at the student notebooks. Open\n\n    {server.url}\n\n"
        "Validate is on each notebook's toolbar; Nbgrader > Assignment List lists the lessons. Stop with Ctrl-C."))


def _serve(server, message) -> int:
    """Wait for a local Jupyter server, print `message(server)`, and run it until it ends or Ctrl-C."""
    try:
        server.wait_until_up()
        print(message(server), flush=True)
        return server.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


def cmd_formgrade(args) -> int:
    """`ftcourse lab --instructor`: nbgrader's formgrader on the graded workspace."""
    from .instructor import formgrade

    return _serve(formgrade.start(_workspace(args), port=args.port), lambda server: (
        f"nbgrader's formgrader is running on the gradebook. Open\n\n    {formgrade.url(server)}\n\n"
        "Manual Grading lists the answers to grade; scores and comments go into the gradebook "
        "(`ftcourse feedback` hands them back). Stop with Ctrl-C."))


def cmd_quiz(args) -> int:
    from .quiz import terminal

    if args.report:
        print(terminal.report(args.lesson))
        return 0
    return terminal.run(args.lesson, n=args.n, seed=args.seed, review=args.review, due=args.due)


def quiz_epilog() -> str:
    """`ftcourse quiz --help`: the lessons with practice questions and the answer formats."""
    from .quiz import terminal
    from .shared import catalogue

    lessons = [f"  {found.number}  {found.name}" for found in catalogue.lessons() if found.quiz_bank.is_file()]
    return ("lessons (--lesson takes the number or the name):\n" + "\n".join(lessons)
            + "\n\nanswer formats:\n" + terminal.answer_formats()
            + "\n\nspaced review: a right answer makes a question due again later (2, 4, 8... days), a miss the "
              "next day;\n--due asks what is due; FTCOURSE_QUIZ_TODAY=YYYY-MM-DD moves the quiz's clock.")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="ftcourse", description="Support tools of the fine-tuning course.")
    sub = top.add_subparsers(dest="command", required=True)

    assets = sub.add_parser("assets", help="fetch, verify or describe the embedded model and data")
    assets.add_argument("action", choices=["fetch", "verify", "info"])
    assets.add_argument("names", nargs="*", help="fetch/verify: also these on-demand assets (or all), e.g. "
                        "all-mpnet-base-v2, which otherwise comes only with the gpu profile")
    assets.add_argument("--force", action="store_true", help="fetch again even if present")
    assets.add_argument("--check", action="store_true", help="info: hash the files too")
    assets.set_defaults(func=cmd_assets)

    profile = sub.add_parser("profile", help="print the profile this machine gets (as setup() does)")
    profile.add_argument("name", nargs="?", help="a profile name instead of the automatic choice")
    profile.add_argument("-v", "--verbose", action="store_true", help="list every setting")
    profile.set_defaults(func=cmd_profile)

    run = sub.add_parser("run", help="run every lesson in the active profile, as a student who solved it would "
                         "(reference answers and visible tests; not the hidden tests)")
    run.add_argument("lessons", nargs="*", help="only these lessons (default: all)")
    run.add_argument("--profile", help="profile to use (default: $FTCOURSE_PROFILE or the hardware's)")
    run.add_argument("--output", default="runs/lessons", help="folder for the executed notebooks")
    run.add_argument("--record", metavar="JSON", help="add the times and key results to this table of course runs "
                                                      "(and its .md), e.g. benchmarks/results/<machine>-course.json")
    run.set_defaults(func=cmd_run)

    smoke = sub.add_parser("smoke", help="one quick fine-tune that checks the whole stack works")
    smoke.add_argument("--profile", help="profile to use (default: $FTCOURSE_PROFILE or the hardware's)")
    smoke.add_argument("--output", default="runs/smoke", help="folder for the saved model")
    smoke.add_argument("--limit", type=int, help="only the first N rows of each split (a quick check of a profile's "
                       "model and code path, e.g. --profile gpu --limit 16 on a CPU)")
    smoke.add_argument("--lora", action="store_true", help="train a LoRA adapter instead of every weight")
    smoke.set_defaults(func=cmd_smoke)

    build = sub.add_parser("build", help="instructors: generate the student versions in notebooks/")
    build.add_argument("lessons", nargs="*", help="only these lessons (default: all)")
    build.add_argument("--execute", action="store_true",
                       help="first run each source notebook and save its outputs (what nbval compares with)")
    build.add_argument("--profile", help="with --execute: the profile to run in (default: ci)")
    build.set_defaults(func=cmd_build)

    from .shared.settings import RunSettings

    def run_options(command, workspace=True):
        command.add_argument("--profile", help="profile notebooks run in (default: $FTCOURSE_PROFILE or ci)")
        command.add_argument("--threads", type=int, help="torch threads per kernel (default 1)")
        command.add_argument("--cell-timeout", type=int, help="seconds a cell may run (default: the profile's)")
        command.add_argument("--no-sandbox", action="store_true", help="trusted notebooks only: no isolation")
        if workspace:
            command.add_argument("--workspace", help="gradebook, feedback and grades.csv (default: autograder/)")

    settings_help = "the run's settings (one object, saved with every job):\n" + RunSettings.describe()
    validate = sub.add_parser("validate", help="instructors: source gets full marks, student version none",
                              epilog=settings_help, formatter_class=argparse.RawDescriptionHelpFormatter)
    validate.add_argument("lessons", nargs="*", help="only these lessons (default: all)")
    run_options(validate, workspace=False)
    validate.set_defaults(func=cmd_validate)

    mutants = sub.add_parser("mutants", help="instructors: do the tests catch wrong answers and keep right ones?",
                             epilog=settings_help, formatter_class=argparse.RawDescriptionHelpFormatter)
    mutants.add_argument("lessons", nargs="*", help="only these lessons (default: all)")
    run_options(mutants, workspace=False)
    mutants.set_defaults(func=cmd_mutants)

    grade = sub.add_parser("grade", help="instructors: autograde a folder or zip of submissions",
                           epilog=settings_help, formatter_class=argparse.RawDescriptionHelpFormatter)
    grade.add_argument("submissions", nargs="?",
                       help="folder or zip: <student>/<assignment>.ipynb or nbgrader's layout (not with --manual)")
    grade.add_argument("--workers", type=int,
                       help="jobs side by side (default: cores / threads); with --cluster local/slurm/pbs: "
                            "CPU workers to start (default 2)")
    grade.add_argument("--job-timeout", type=int,
                       help="seconds one job may run in all (default: twenty times the cell limit)")
    cluster = grade.add_argument_group("grading on a Dask cluster (see the README's 'Grading a large class')")
    cluster.add_argument("--cluster", metavar="WHERE", default="",
                         help="local[:N] (worker processes on this machine), slurm or pbs (workers as batch jobs "
                              "through dask-jobqueue), or a running scheduler's address (tcp://host:8786)")
    cluster.add_argument("--gpu-workers", type=int, default=0,
                         help="also start this many workers offering one GPU (gpu-profile jobs of lessons that "
                              "fine-tune wait for them)")
    cluster.add_argument("--retries", type=int, default=2,
                         help="times a job lost with its worker is placed again before it is reported (default 2)")
    grade.add_argument("--variants", metavar="STUDENT", default="",
                       help="instructor check of the tests: this student's submissions (e.g. the sample class's "
                            "reference) also try every variant and mutant of each lesson's answers")
    run_options(grade)
    by_hand = grade.add_argument_group("grading by hand (--manual), in the workspace's gradebook")
    by_hand.add_argument("--manual", action="store_true",
                         help="grade the open answers in the terminal: answer, model answer and rubric shown; "
                              "stop any time, the next run goes on")
    by_hand.add_argument("--assignment", help="only this assignment (e.g. 06)")
    by_hand.add_argument("--student", help="only this student")
    by_hand.add_argument("--cell", action="append",
                         help="these graded cells instead (repeat; a test cell, e.g. ex4_tests, adjusts its score)")
    grade.add_argument("--regrade", action="store_true",
                       help="grade again what is unchanged since it was graded (with --manual: show cells "
                            "already graded by hand too)")
    by_hand.add_argument("--points", type=float, help="set this score without asking (with --student and one --cell)")
    by_hand.add_argument("--comment", help="with --points: the comment for the student")
    grade.set_defaults(func=cmd_grade)

    def workspace_option(command):
        command.add_argument("--workspace", help="the graded workspace (default: autograder/)")

    feedback = sub.add_parser("feedback", help="instructors: feedback folder and zip per student; --release "
                                               "into the exchange")
    feedback.add_argument("--assignment", action="append", help="only this assignment (repeat)")
    feedback.add_argument("--student", action="append", help="only this student (repeat)")
    feedback.add_argument("--release", action="store_true",
                          help="also release into the exchange (submissions that came through nbgrader collect)")
    feedback.add_argument("--exchange", help="the exchange's root (default: the course's, autograder/exchange)")
    workspace_option(feedback)
    feedback.set_defaults(func=cmd_feedback)

    export = sub.add_parser("export", help="instructors: grades as CSV for nbgrader, Canvas and Moodle")
    export.add_argument("--out", help="folder for the CSV files (default: <workspace>/export)")
    export.add_argument("--roster", help="CSV with student_id and any of first_name, last_name, email, "
                                         "lms_user_id, section")
    export.add_argument("--due", action="append", metavar="ASSIGNMENT=DATE",
                        help="due date (UTC unless a zone is given), e.g. 02=2026-10-01T23:59 (repeat)")
    export.add_argument("--penalty", choices=["zero", "per_day"],
                        help="late penalty with --due: nbgrader's 'zero', or 'per_day' (default: none)")
    export.add_argument("--percent-per-day", type=float, help="with --penalty per_day: share lost per day (10)")
    workspace_option(export)
    export.set_defaults(func=cmd_export)

    report = sub.add_parser("report", help="instructors: item analysis of the tests and similar submissions")
    report.add_argument("--assignment", action="append", help="only this assignment (repeat)")
    report.add_argument("--threshold", type=float, default=0.5,
                        help="similarity at or above which a pair is listed (0-1, default 0.5)")
    report.add_argument("--out", help="the HTML page (default: <workspace>/report/report.html)")
    workspace_option(report)
    report.set_defaults(func=cmd_report)

    lab = sub.add_parser("lab", help="students: JupyterLab at the lesson notebooks, with nbgrader's Validate")
    lab.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    lab.add_argument("--instructor", action="store_true",
                     help="instructors: nbgrader's formgrader on the graded workspace instead (hand-grading)")
    lab.add_argument("--workspace", help="with --instructor: the graded workspace (default: autograder/)")
    lab.set_defaults(func=cmd_lab)

    quiz = sub.add_parser("quiz", help="practice questions in the terminal; --report shows your progress",
                          epilog=quiz_epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    quiz.add_argument("--lesson", help="one lesson, e.g. 01 or 01_trainer_api (default: every lesson)")
    quiz.add_argument("-n", type=int, help="ask at most N questions")
    quiz.add_argument("--seed", type=int, help="fix the order of questions and choices")
    quiz.add_argument("--review", action="store_true", help="put the questions missed before first")
    quiz.add_argument("--due", action="store_true", help="ask only the questions due for review today")
    quiz.add_argument("--report", action="store_true",
                      help="print the progress per lesson (with --lesson: of that lesson), then exit")
    quiz.set_defaults(func=cmd_quiz)
    return top


class _Parser(argparse.ArgumentParser):
    """A parser whose epilog may be a function: it runs only when the help is printed (the quiz's
    epilog imports the quiz; no other command should pay for that)."""

    def format_help(self):
        if callable(self.epilog):
            self.epilog = self.epilog()
        return super().format_help()


def main(argv=None) -> int:
    import os

    args = parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # here, where a closed pipe can be caught, not when Python exits
        return code
    except CourseError as err:
        print(f"ftcourse: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `ftcourse quiz --report | head`: the reader left, which is no error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0


if __name__ == "__main__":
    sys.exit(main())
