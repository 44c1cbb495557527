"""Grading kernels in a sandbox, so student code can neither read hidden tests nor touch grades.

Under plain nbgrader a submission runs with the grader's user, working directory and files:
measured, it could rewrite every student's grade in the gradebook and print the instructor's
source notebooks. The grading kernel therefore starts through this launcher, in new Linux
namespaces:

- mount: the course folder and every top-level folder but the system's (/usr, /etc, /var, ...)
  become empty: /tmp, /home, /root, /opt, /mnt and any /work or /data where other copies of the
  course may lie. Only what the kernel needs comes back: Python, the virtual environment, the
  ftcourse package, the assets and its connection file read-only, its own notebook folder and its
  socket folder writable. The rest of the root filesystem is read-only, so nothing a later
  submission runs can be altered.
- network: none. The kernel talks to nbgrader over Unix sockets (`KernelManager.transport=ipc`).
- pid: the kernel sees only its own processes, so /proc offers no way back out.
- capabilities: all dropped with no_new_privs, so the mounts cannot be undone.

Run as root, or as a user allowed to create user namespaces. Used as a kernelspec's argv:
`python -m ftcourse.instructor.sandbox {connection_file}`.
"""
import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from ..shared.catalogue import ROOT
from ..shared.errors import CourseError
from ..shared.paths import course_home

KERNEL_NAME = "ftcourse-sandbox"
SYSTEM = {"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "mnt", "proc", "sbin", "sys", "usr", "var"}


def hidden_folders() -> list:
    """Every real top-level folder but the system's (/mnt holds the stash and is emptied apart), and /var/tmp."""
    tops = [p for p in Path("/").iterdir() if p.name not in SYSTEM and p.is_dir() and not p.is_symlink()]
    return sorted(str(p) for p in tops) + (["/var/tmp"] if Path("/var/tmp").is_dir() else [])


def unshare_command() -> list:
    flags = ["--mount", "--net", "--pid", "--fork", "--kill-child"]
    if os.geteuid() != 0:
        flags.append("--map-root-user")
    return ["unshare", *flags]


def check_available() -> None:
    """Fail with the fix when this machine cannot build the sandbox."""
    probe = subprocess.run([*unshare_command(), "sh", "-c", "mount --make-rprivate / && mount -t tmpfs none /mnt"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["unknown reason"])[-1]
        raise CourseError(
            f"cannot isolate grading kernels on this machine ({reason}): grade as root or where user "
            "namespaces are allowed, or pass --no-sandbox to grade trusted submissions without isolation"
        )


def mount_script(keep_ro: list, keep_rw: list, hide: list, argv: list, workdir: str) -> str:
    """The shell commands that build the sandbox inside the new namespaces, then start `argv`."""
    q = shlex.quote
    lines = ["set -e", "mount --make-rprivate /", "mount -t tmpfs none /mnt", "mkdir /mnt/keep"]
    keep = [(p, "ro") for p in keep_ro] + [(p, "rw") for p in keep_rw]
    for i, (path, _) in enumerate(keep):  # stash before the folders that hold them are hidden
        make = f"touch /mnt/keep/{i}" if Path(path).is_file() else f"mkdir /mnt/keep/{i}"
        lines += [make, f"mount --rbind {q(path)} /mnt/keep/{i}"]
    lines.append("mount -o remount,bind,ro /")
    for path in hide:  # mkdir: a hidden folder may lie inside another (a course cloned under /tmp)
        lines += [f"mkdir -p {q(path)}", f"mount -t tmpfs -o mode=0755 none {q(path)}"]
    for i, (path, mode) in enumerate(keep):
        if Path(path).is_file():
            lines += [f"mkdir -p {q(str(Path(path).parent))}", f"touch {q(path)}"]
        else:
            lines.append(f"mkdir -p {q(path)}")
        lines.append(f"mount --rbind /mnt/keep/{i} {q(path)}")
        if mode == "ro":
            lines.append(f"mount -o remount,bind,ro {q(path)}")
    # a process's working folder stays on the mount it was opened on: enter the writable bind
    lines += [f"cd {q(workdir)}", "mkdir -p /tmp/home", "umount -l /mnt", "mount -t tmpfs none /mnt",
              "mount -t proc proc /proc", "mount --bind /proc/sys /proc/sys",
              "mount -o remount,bind,ro /proc/sys"]
    drop = ["setpriv", "--no-new-privs", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all"]
    lines.append("exec " + " ".join(q(a) for a in drop + ["--"] + argv))
    return "\n".join(lines)


def command(argv: list, workdir: Path, writable: list, readable: list = (), workdir_writable: bool = True) -> list:
    """The command line that runs `argv` confined, in `workdir`, able to write only `writable` (and
    `workdir` unless told otherwise) and to read, besides Python and the course's package and
    assets, only `readable` (and `workdir`)."""
    keep_ro = [Path(sys.base_prefix), Path(sys.prefix), ROOT / "ftcourse", course_home() / "assets",
               course_home() / "data", *readable] + ([] if workdir_writable else [workdir])
    unique = lambda paths: list(dict.fromkeys(str(Path(p).resolve()) for p in paths if Path(p).exists()))  # noqa: E731
    hide = hidden_folders() + [str(ROOT)]
    keep_rw = ([workdir] if workdir_writable else []) + list(writable)
    script = mount_script(unique(keep_ro), unique(keep_rw), hide, argv, str(Path(workdir).resolve()))
    return [*unshare_command(), "sh", "-c", script]


def python_module(module: str, *args) -> list:
    """The command line that runs `python -m module args` in isolated mode (no current folder, no
    $PYTHONPATH on the path, so nothing a student left in the notebook's folder can shadow a module),
    with this very copy of the course's package first on the path."""
    bootstrap = (f"import runpy, sys; sys.path.insert(0, {str(ROOT)!r}); "
                 f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)")
    return [sys.executable, "-I", "-c", bootstrap, *map(str, args)]


def kernel_env(settings=None) -> dict:
    """Environment of confined code: private caches in its own /tmp, no hub, and what the run's
    settings tell a kernel (its profile and torch threads)."""
    env = dict(os.environ)
    env.pop("FTCOURSE_RUN_SETTINGS", None)
    env.update(HOME="/tmp/home", HF_HOME="/tmp/hf", HF_MODULES_CACHE="/tmp/hf/modules",
               MPLCONFIGDIR="/tmp/matplotlib", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", FTCOURSE_HOME=str(course_home()))
    if settings is not None:
        env.update(settings.kernel_environment())
    return env


def spawn(argv: list, workdir: Path, settings, log: Path, readable: list = (), writable: list = (),
          workdir_writable: bool = True, pass_fds=()) -> subprocess.Popen:
    """Start `argv` in `workdir`, confined when the run's settings say so (else as it is), in its
    own session; what it writes to stderr goes to `log`."""
    env = kernel_env(settings)
    if settings.sandbox:
        argv = command(argv, workdir, list(writable), list(readable), workdir_writable)
    with open(log, "wb") as err:
        return subprocess.Popen(argv, cwd=workdir, env=env, pass_fds=pass_fds, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)


def children(pid: int) -> list:
    """The processes `pid` started directly (Linux /proc; [] once it is gone)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found = []
    for task in tasks:
        try:
            found += [int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list:
    """Every process started by `pid`, its children's children included."""
    found, queue = [], [pid]
    while queue:
        for child in children(queue.pop()):
            if child not in found:
                found.append(child)
                queue.append(child)
    return found


def stop_tree(pid: int) -> None:
    """Kill `pid` and everything it started (a kernel runs in a session of its own, so a process
    group would miss it). The tree is read before any of it dies, so no process escapes to init."""
    for target in [pid, *descendants(pid)]:
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass


def launch(connection_file: str) -> int:
    """Start a kernel confined: it keeps its notebook folder and the folders of its sockets. Its
    profile and threads come from the run's settings (the file $FTCOURSE_RUN_SETTINGS names)."""
    from ..shared.settings import RunSettings

    info = json.loads(Path(connection_file).read_text())
    if info.get("transport") != "ipc":
        raise CourseError("sandboxed kernels need KernelManager.transport='ipc' (they have no network)")
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file]
    # the connection file alone, not its folder: that may be /tmp, with everyone's files in it
    kernel = subprocess.Popen(command(argv, Path.cwd(), [Path(info["ip"]).parent], [Path(connection_file)]),
                              env=kernel_env(RunSettings.current()))
    _stop_when_orphaned(kernel)
    return kernel.wait()


def _stop_when_orphaned(kernel: subprocess.Popen) -> None:
    """A kernel outlives nothing: when the process that started this launcher dies (its grading job
    killed with a lost cluster worker, or past its time limit), the kernel is stopped too."""
    import threading
    import time

    parent = os.getppid()

    def watch():
        while kernel.poll() is None:
            if os.getppid() != parent:
                stop_tree(kernel.pid)
                return
            time.sleep(1)

    threading.Thread(target=watch, daemon=True).start()


def install_kernelspec(into: Path) -> Path:
    """Write the sandbox kernelspec under `into` (a JUPYTER_PATH entry); return its folder."""
    folder = into / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "ftcourse.instructor.sandbox", "{connection_file}"],
            "display_name": "Python 3 (ftcourse grading sandbox)", "language": "python",
            "interrupt_mode": "message"}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
    return folder


def sandbox_config(runtime: Path) -> dict:
    """nbgrader/nbclient options that run every graded notebook in the sandbox kernel."""
    runtime.mkdir(parents=True, exist_ok=True)
    return {"Execute.kernel_name": KERNEL_NAME, "KernelManager.transport": "ipc",
            "KernelManager.ip": str(runtime / "kernel")}


if __name__ == "__main__":
    sys.exit(launch(sys.argv[1]))
