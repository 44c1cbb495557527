"""`make bench-grading`: how long `ftcourse grade` takes, so instructors can plan a class.

1. One student's whole course (every lesson's reference answers) in the ci profile, graded as
   `ftcourse grade` does by default.
2. A class of N students (default 10) handing in the same assignment: one by one (one kernel with
   every core's torch threads) versus in parallel (a kernel per core, one thread each).
3. The same class on a Dask cluster (`ftcourse grade --cluster`): a LocalCluster of one worker
   process per core, and, where a Slurm answers (`sinfo`; `scripts/slurm-single-node start` makes
   one), as many workers started as Slurm batch jobs; each against the local pool of item 2.
4. From item 1's time per job: how many one-core workers grade a class of 300 whole courses in an
   hour (the README's extrapolation).
Every graded submission must get the reference answers' autograded score (the sample class's
expected.json), or the row says so: a fast grader that fails is no result.
Writes results/<machine>-grading.md and .json.
"""
import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from .machine import describe, slug
from .table import Row, write

ROOT = Path(__file__).resolve().parents[1]


def write_submissions(folder: Path, students: list, assignments: list) -> None:
    """Each student hands in the reference answers in the student version: `<student>/<assignment>.ipynb`."""
    from ftcourse.instructor.answers import solved

    for assignment in assignments:
        notebook = solved(assignment)
        for student in students:
            (folder / student).mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, str(folder / student / f"{assignment}.ipynb"))


def timed_grading(students: list, assignments: list, workers=None, threads=1, cluster="") -> dict:
    """Grade fresh copies in a fresh workspace; seconds, the submissions that missed full marks, and
    the seconds of each job."""
    from ftcourse.instructor.grade import grade, plan_workers
    from ftcourse.instructor.sample_class import FOLDER
    from ftcourse.shared.settings import RunSettings

    with tempfile.TemporaryDirectory(prefix="ftcourse-bench-grading-") as scratch:
        submissions = Path(scratch) / "submissions"
        write_submissions(submissions, students, assignments)
        started = time.perf_counter()
        settings = RunSettings.resolve(profile="ci", threads=threads, workspace=Path(scratch) / "workspace")
        rows = grade(submissions, settings, workers=workers, assignments=assignments, log=lambda _msg: None,
                     cluster=cluster)
        seconds = time.perf_counter() - started
        jobs = json.loads((Path(scratch) / "workspace" / "jobs.json").read_text())
    # the reference answers' autograded score (lesson 06 also has points graded by hand)
    full = json.loads((FOLDER / "expected.json").read_text())["reference"]
    short = [f"{r.student}/{r.assignment} {r.score:g}/{full[r.assignment]:g}" for r in rows
             if r.score != full[r.assignment]]
    return {"seconds": seconds, "submissions": len(rows),
            "workers": workers if cluster else plan_workers(workers, threads), "threads": threads,
            "cluster": cluster, "not_full_marks": short, "jobs": jobs}


def slurm_answers() -> bool:
    import shutil
    import subprocess

    if not shutil.which("sinfo"):
        return False
    found = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return found.returncode == 0 and "idle" in found.stdout


def workers_for(course: dict, students: int = 300, lessons: int = 6, seconds: float = 3600) -> dict:
    """One-core workers that grade `students` whole courses within `seconds`, at item 1's time per job
    (each lesson's job as measured; lessons beyond those measured at their mean)."""
    import math

    per_job = [job["seconds"] for job in course["jobs"]]
    per_student = sum(per_job) / len(per_job) * lessons
    return {"per_job": per_job, "per_student": per_student, "students": students, "lessons": lessons,
            "workers": math.ceil(students * per_student / seconds)}


def verdict_note(*runs) -> str:
    short = [s for run in runs for s in run["not_full_marks"]]
    return ("every submission got the reference score" if not short
            else "NOT the reference score: " + ", ".join(short)[:200])


def main(argv=None) -> int:
    from ftcourse.shared.catalogue import names as lessons

    argv = sys.argv[1:] if argv is None else argv
    cli = argparse.ArgumentParser(prog="python -m benchmarks.grading", description=__doc__.split("\n")[0])
    cli.add_argument("--class-size", type=int, default=10, help="students in the class (default 10)")
    cli.add_argument("--class-assignment", default="02_custom_datasets",
                     help="what the class hands in (default 02_custom_datasets, the quickest lesson with data work)")
    cli.add_argument("--course-lessons", nargs="+", help="item 1: only these lessons (default: all)")
    cli.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results", help="folder for the table")
    args = cli.parse_args(argv)
    cores = len(os.sched_getaffinity(0))
    machine = describe()

    print("1 one student's whole course ...", flush=True)
    course = timed_grading(["student-1"], args.course_lessons or lessons())
    print(f"  {course['seconds']:.0f} s", flush=True)
    students = [f"student-{n:02d}" for n in range(1, args.class_size + 1)]
    print(f"2 a class of {args.class_size}, one by one ...", flush=True)
    serial = timed_grading(students, [args.class_assignment], workers=1, threads=cores)
    print(f"  {serial['seconds']:.0f} s\n2 the same class in parallel ...", flush=True)
    parallel = timed_grading(students, [args.class_assignment], workers=cores, threads=1)
    print(f"  {parallel['seconds']:.0f} s\n3 the same class on a 2-worker LocalCluster ...", flush=True)
    local_cluster = timed_grading(students, [args.class_assignment], workers=cores, cluster=f"local:{cores}")
    print(f"  {local_cluster['seconds']:.0f} s", flush=True)
    slurm = None
    if slurm_answers():
        print(f"3 the same class on {cores} Slurm workers ...", flush=True)
        slurm = timed_grading(students, [args.class_assignment], workers=cores, cluster="slurm")
        print(f"  {slurm['seconds']:.0f} s", flush=True)
    need = workers_for(course)

    rows = [
        Row(1, "one student's whole course, ci profile", f"seconds to grade {course['submissions']} assignments "
            f"({course['workers']} at a time, {course['threads']} thread each)", f"{course['seconds']:.0f} s",
            notes=verdict_note(course), data=course),
        Row(2, f"class of {args.class_size}, {args.class_assignment}: one by one (A) vs in parallel (B)",
            f"seconds; ratio A/B (speed-up); A: 1 kernel x {cores} threads, B: {parallel['workers']} kernels x 1 thread",
            f"{serial['seconds']:.0f} s", f"{parallel['seconds']:.0f} s", serial["seconds"] / parallel["seconds"],
            notes=verdict_note(serial, parallel), data={"serial": serial, "parallel": parallel}),
        Row(3, f"class of {args.class_size}: local pool (A) vs a LocalCluster of {cores} worker processes (B)",
            "seconds; ratio B/A (the cluster's cost)", f"{parallel['seconds']:.0f} s",
            f"{local_cluster['seconds']:.0f} s", local_cluster["seconds"] / parallel["seconds"],
            notes=verdict_note(local_cluster), data={"local_cluster": local_cluster}),
        Row(3, f"class of {args.class_size}: local pool (A) vs {cores} Slurm batch-job workers (B)",
            "seconds; ratio B/A (the cluster's cost)", f"{parallel['seconds']:.0f} s",
            f"{slurm['seconds']:.0f} s", slurm["seconds"] / parallel["seconds"], notes=verdict_note(slurm),
            data={"slurm": slurm}) if slurm else
        Row(3, f"class of {args.class_size}: local pool vs Slurm workers", "-", "not measured",
            notes="no Slurm answered `sinfo` (scripts/slurm-single-node start makes a one-machine one)"),
        Row(4, f"workers to grade {need['students']} students x {need['lessons']} lessons in an hour",
            f"one-core workers, at item 1's {sum(need['per_job']) / len(need['per_job']):.0f} s per job "
            f"({need['per_student']:.0f} s per student)", f"{need['workers']}",
            notes="jobs of the ci profile; a gpu-profile class needs GPU workers for the lessons that "
                  "fine-tune", data=need),
    ]
    spent = {"course": course["seconds"], "class one by one": serial["seconds"],
             "class in parallel": parallel["seconds"], "class on a LocalCluster": local_cluster["seconds"]}
    if slurm:
        spent["class on Slurm"] = slurm["seconds"]
    run = {"quick": False, "repeats": 1, "command": shlex.join(["python", "-m", "benchmarks.grading", *argv]),
           "sizes": {"class_size": args.class_size, "class_assignment": args.class_assignment},
           "budget": {}, "spent": spent}
    path = write(rows, machine, run, args.output, slug(machine) + "-grading")
    print(f"table: {path} (and .json)")
    runs = [course, serial, parallel, local_cluster] + ([slurm] if slurm else [])
    return 0 if not any(run["not_full_marks"] for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
