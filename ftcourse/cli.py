"""The `ftcourse` terminal command: assets, profile, and the course run."""
import argparse
import sys

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
    from .runner.smoke import fine_tune

    result = fine_tune(args.profile, output_dir=args.output)
    print(f"smoke fine-tune ({result['profile']} profile): test accuracy {result['test_accuracy']:.3f} "
          f"on {result['test_examples']} reviews after {result['train_seconds']:.0f} s of training "
          f"on {result['train_examples']}; model saved in {result['model_dir']}")
    return 0


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

    run = sub.add_parser("run", help="run the course's smoke fine-tune in the active profile")
    run.add_argument("--profile", help="profile to use (default: $FTCOURSE_PROFILE or the hardware's)")
    run.add_argument("--output", default="runs/smoke", help="folder for the saved model")
    run.set_defaults(func=cmd_run)
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
