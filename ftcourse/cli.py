"""The `ftcourse` terminal command: assets, profile, the course run, and instructor tools."""
import argparse
import sys
from pathlib import Path

from .shared.errors import CourseError


def cmd_assets(args) -> int:
    from .shared import assets

    if args.action == "fetch":
        for asset in assets.ASSETS:
            assets.fetch(asset, force=args.force, log=lambda msg: print(msg, file=sys.stderr))
        from .shared.data import sentiment_files

        print(f"sentiment splits ready in {sentiment_files()['train'].rsplit('/', 1)[0]}")
        return 0
    if args.action == "verify":
        bad = 0
        for asset in assets.ASSETS:
            found = assets.problems(asset)
            print(f"{asset.name}: {'ok' if not found else 'FAILED: ' + '; '.join(found)}")
            bad += bool(found)
        if bad:
            raise CourseError("some assets are missing or corrupt: run `ftcourse assets fetch --force`")
        return 0
    for asset in assets.ASSETS:  # info
        present = not assets.problems(asset) if args.check else assets.present(asset)
        print(f"{asset.name}\n  what:    {asset.description}\n  source:  {asset.package}=={asset.version} "
              f"(PyPI)\n  license: {asset.license}\n  size:    "
              f"{asset.size / 1e6:.1f} MB\n  path:    {asset.path}{'' if present else '  (not fetched)'}")
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
    from .runner.lessons import run_course

    results = run_course(args.profile, names=[_lesson(n) for n in args.lessons] or None, out_dir=args.output)
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

    settings = run_settings(args, variants=args.variants)
    rows = grade(args.submissions, settings, workers=args.workers)
    print(table(rows))
    print(f"\ngrades: {Path(settings.workspace) / 'grades.csv'}; feedback: {Path(settings.workspace) / 'feedback'}")
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

    result = fine_tune(args.profile, output_dir=args.output)
    print(f"smoke fine-tune ({result['profile']} profile): test accuracy {result['test_accuracy']:.3f} "
          f"on {result['test_examples']} reviews after {result['train_seconds']:.0f} s of training "
          f"on {result['train_examples']}; model saved in {result['model_dir']}")
    return 0


def cmd_lab(args) -> int:
    from .student import lab

    server = lab.start(port=args.port)
    try:
        server.wait_until_up()
        print(f"JupyterLab is running at the student notebooks. Open\n\n    {server.url}\n\n"
              "Validate is on each notebook's toolbar; Nbgrader > Assignment List lists the lessons. "
              "Stop with Ctrl-C.", flush=True)
        return server.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


def cmd_quiz(args) -> int:
    from .quiz import terminal

    if args.report:
        print(terminal.report())
        return 0
    return terminal.run(args.lesson, n=args.n, seed=args.seed, review=args.review)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ftcourse", description="Support tools of the fine-tuning course.")
    sub = top.add_subparsers(dest="command", required=True)

    assets = sub.add_parser("assets", help="fetch, verify or describe the embedded model and data")
    assets.add_argument("action", choices=["fetch", "verify", "info"])
    assets.add_argument("--force", action="store_true", help="fetch again even if present")
    assets.add_argument("--check", action="store_true", help="info: hash the files too")
    assets.set_defaults(func=cmd_assets)

    profile = sub.add_parser("profile", help="print the profile this machine gets (as setup() does)")
    profile.add_argument("name", nargs="?", help="a profile name instead of the automatic choice")
    profile.add_argument("-v", "--verbose", action="store_true", help="list every setting")
    profile.set_defaults(func=cmd_profile)

    run = sub.add_parser("run", help="run every lesson's solution notebook in the active profile")
    run.add_argument("lessons", nargs="*", help="only these lessons (default: all)")
    run.add_argument("--profile", help="profile to use (default: $FTCOURSE_PROFILE or the hardware's)")
    run.add_argument("--output", default="runs/lessons", help="folder for the executed notebooks")
    run.add_argument("--record", metavar="JSON", help="add the times and key results to this table of course runs "
                                                      "(and its .md), e.g. benchmarks/results/<machine>-course.json")
    run.set_defaults(func=cmd_run)

    smoke = sub.add_parser("smoke", help="one quick fine-tune that checks the whole stack works")
    smoke.add_argument("--profile", help="profile to use (default: $FTCOURSE_PROFILE or the hardware's)")
    smoke.add_argument("--output", default="runs/smoke", help="folder for the saved model")
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
    grade.add_argument("submissions", help="folder or zip: <student>/<assignment>.ipynb or nbgrader's layout")
    grade.add_argument("--workers", type=int, help="jobs side by side (default: cores / threads)")
    grade.add_argument("--variants", metavar="STUDENT", default="",
                       help="instructor check of the tests: this student's submissions (e.g. the sample class's "
                            "reference) also try every variant and mutant of each lesson's answers")
    run_options(grade)
    grade.set_defaults(func=cmd_grade)

    lab = sub.add_parser("lab", help="students: JupyterLab at the lesson notebooks, with nbgrader's Validate")
    lab.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    lab.set_defaults(func=cmd_lab)

    quiz = sub.add_parser("quiz", help="practice questions in the terminal; --report shows your progress")
    quiz.add_argument("--lesson", help="one lesson, e.g. 01 or 01_trainer_api (default: every lesson)")
    quiz.add_argument("-n", type=int, help="ask at most N questions")
    quiz.add_argument("--seed", type=int, help="fix the order of questions and choices")
    quiz.add_argument("--review", action="store_true", help="put the questions missed before first")
    quiz.add_argument("--report", action="store_true", help="print the progress per lesson, then exit")
    quiz.set_defaults(func=cmd_quiz)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except CourseError as err:
        print(f"ftcourse: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
