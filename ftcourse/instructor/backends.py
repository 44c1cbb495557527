"""Where grading jobs run: this machine's pool (the default) or a Dask cluster (`--cluster`).

Both run the same function on the same plain-data jobs (`job.run`), and both hand each result to
the caller as it arrives, in this process, which is the run's only writer (`record.py`). A backend
schedules nothing itself:

- `LocalPool`: threads of this process, each starting one job process at a time (`--workers`).
- `DaskCluster`: Dask distributed's scheduler places the jobs on its workers (`--cluster`):
  `local[:N]` starts a `LocalCluster` of N worker processes on this machine; `slurm` or `pbs`
  starts workers as batch jobs through dask-jobqueue (its settings in Dask's jobqueue configuration,
  `~/.config/dask/jobqueue.yaml`); an address (`tcp://host:8786`) joins a scheduler already running
  (e.g. a `dask_kubernetes` `KubeCluster`'s). Jobs of lessons that fine-tune ask for one `GPU`
  worker resource when the run's profile is gpu; a worker offers it when started with
  `--resources GPU=1` (`--gpu-workers` starts such workers: local ones, or batch jobs with
  `--gres=gpu:1`). A worker lost mid-job (its process killed, its node gone) has its job
  placed again elsewhere, up to `--retries` times; then the job is reported failed.
"""
import os
import re
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from ..shared.errors import CourseError
from . import job as job_module

GPU = "GPU"  # the Dask worker resource a GPU job asks for
WINDOW = 2  # jobs sent ahead per worker slot
ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc)://\S+$")
BATCH_SYSTEMS = ("slurm", "pbs")


@dataclass(frozen=True)
class ClusterSpec:
    """What `--cluster` and its options asked for."""
    kind: str  # "local", "address", "slurm" or "pbs"
    address: str = ""  # with kind "address"
    workers: int = 2  # CPU workers to start (local, slurm, pbs)
    gpu_workers: int = 0  # workers offering one GPU each
    retries: int = 2  # times a job lost with its worker is placed again

    @classmethod
    def parse(cls, text: str, workers=None, gpu_workers=0, retries=2) -> "ClusterSpec":
        text = (text or "").strip()
        if retries < 0 or (gpu_workers or 0) < 0 or (workers is not None and workers < 0):
            raise CourseError("--workers, --gpu-workers and --retries count: give 0 or more")
        match = re.fullmatch(r"local(?::(\d+))?", text)
        if match:
            count = int(match.group(1)) if match.group(1) else (workers if workers is not None else 2)
            return cls("local", workers=count, gpu_workers=gpu_workers or 0, retries=retries)
        if text in BATCH_SYSTEMS:
            return cls(text, workers=2 if workers is None else workers, gpu_workers=gpu_workers or 0, retries=retries)
        if ADDRESS.match(text):
            return cls("address", address=text, workers=0, gpu_workers=0, retries=retries)
        raise CourseError(f"--cluster {text!r} is not one this course knows: use local, local:N, slurm, pbs or a "
                          "scheduler address such as tcp://host:8786 (a Kubernetes cluster: start a "
                          "dask_kubernetes KubeCluster and pass its scheduler address)")


class LocalPool:
    """`workers` jobs side by side on this machine."""

    def __init__(self, workers: int):
        self.slots = workers
        self.description = f"{workers} at a time on this machine"

    def run(self, jobs: list, shared, on_result) -> None:
        def one(job):
            result = job_module.run(job.loaded(), shared)
            result.worker += f" slot {threading.current_thread().name.rsplit('_', 1)[-1]}"
            return result

        waiting, running = list(jobs), {}
        with ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="grading") as pool:
            while waiting or running:
                while waiting and len(running) < self.slots:  # one job per slot: read as it starts
                    job = waiting.pop(0)
                    running[pool.submit(one, job)] = job
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    on_result(running.pop(future), future.result(), len(running))

    def close(self) -> None:
        pass


class DaskCluster:
    """Jobs on a Dask cluster: started here (local, slurm, pbs) or joined (an address)."""

    def __init__(self, spec: ClusterSpec):
        import dask
        from distributed import Client

        self.spec = spec
        self.cluster = None
        # a worker runs each job as a child process of its own: workers must not be daemon processes
        # (Python forbids children there), and a job lost with its worker is placed again `retries` times
        dask.config.set({"distributed.worker.daemon": False,
                         "distributed.scheduler.allowed-failures": spec.retries})
        if spec.kind == "address":
            self.client = Client(spec.address)
        else:
            self.cluster = _start(spec)
            self.client = Client(self.cluster)
        if spec.kind != "address" and spec.workers + spec.gpu_workers:
            self.client.wait_for_workers(spec.workers + spec.gpu_workers, timeout=_wait_seconds(spec))
        self.slots = max(1, sum(self.client.nthreads().values()))
        self.description = (f"on the Dask cluster at {self.client.scheduler.address}: "
                            f"{len(self.client.nthreads())} workers, {self.slots} jobs at a time")

    def running(self) -> int:
        threads = self.client.nthreads()
        return sum(min(len(keys), threads.get(worker, 1)) for worker, keys in self.client.processing().items())

    def submit(self, job, everywhere):
        """One job to the scheduler (a GPU job asking for the GPU resource), its files read now."""
        return self.client.submit(job_module.run, job.loaded(), everywhere, pure=False,
                                  key=f"grade-{job.student}-{job.assignment}-{os.urandom(4).hex()}",
                                  resources={GPU: 1} if job.gpu else None)

    def run(self, jobs: list, shared, on_result) -> None:
        """The jobs in order, at most `WINDOW` per worker slot of each kind (GPU or not) waiting at a
        time, so a class's notebooks are read as they are sent and CPU workers never wait behind a
        queue of GPU jobs. The shared part travels to every worker once."""
        from distributed import as_completed as completed

        everywhere = self.client.scatter(shared, broadcast=True, hash=False)
        waiting = {True: [j for j in jobs if j.gpu], False: [j for j in jobs if not j.gpu]}
        sent = {}

        def send(kind):
            kind = kind if waiting[kind] else not kind
            job = waiting[kind].pop(0)
            future = self.submit(job, everywhere)
            sent[future] = job
            return future

        first = [send(kind) for kind in (True, False) for _ in range(min(WINDOW * self.slots, len(waiting[kind])))]
        arriving = completed(first)
        for future in arriving:
            job = sent.pop(future)
            try:
                result = future.result()
            except Exception as err:  # noqa: BLE001 - a lost job is reported, never fatal
                result = job_module.Result(job.student, job.assignment, success=False,
                                           error=_lost(err, self.spec.retries))
            future.release()
            on_result(job, result, self.running())
            if waiting[True] or waiting[False]:
                arriving.add(send(job.gpu))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _lost(err: Exception, retries: int) -> str:
    if type(err).__name__ == "KilledWorker":
        return (f"its worker was lost {retries + 1} times (process killed or node gone): not graded; "
                "run the command again to grade it")
    return f"the cluster could not run it: {type(err).__name__}: {err}"[:300]


def _wait_seconds(spec: ClusterSpec) -> int:
    return 120 if spec.kind == "local" else 1800  # batch jobs wait in their queue


def _start(spec: ClusterSpec):
    """A cluster of `spec.workers` CPU workers and `spec.gpu_workers` GPU workers, one job at a time each."""
    if spec.kind == "local":
        from distributed import LocalCluster, Nanny

        cluster = LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        for index in range(spec.gpu_workers):  # a local GPU worker: the same process, one GPU to give
            cluster.worker_spec[f"gpu-{index}"] = {"cls": Nanny, "options": {
                "nthreads": 1, "resources": {GPU: 1}, "host": "127.0.0.1", "dashboard_address": None}}
        if spec.gpu_workers:
            cluster.sync(cluster._correct_state)
        return cluster
    try:
        import dask_jobqueue
    except ImportError:
        raise CourseError("--cluster slurm/pbs needs dask-jobqueue: `pip install dask-jobqueue` "
                          "(make course installs it)") from None
    import dask

    kind = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}[spec.kind]
    extra = ["export DASK_DISTRIBUTED__WORKER__DAEMON=False"]
    cluster = kind(cores=1, processes=1, job_script_prologue=extra)  # the rest from jobqueue.yaml
    cluster.scale(spec.workers)
    if spec.gpu_workers:
        template = cluster.new_spec
        options = dict(template["options"])
        directive = "--gres=gpu:1" if spec.kind == "slurm" else "-l ngpus=1"
        configured = dask.config.get(f"jobqueue.{spec.kind}.job-extra-directives", default=[]) or []
        options["job_extra_directives"] = [*configured, directive]
        configured = dask.config.get(f"jobqueue.{spec.kind}.worker-extra-args", default=[]) or []
        options["worker_extra_args"] = [*configured, "--resources", f"{GPU}=1"]
        for index in range(spec.gpu_workers):
            cluster.worker_spec[f"gpu-{index}"] = {"cls": template["cls"], "options": options}
        cluster.sync(cluster._correct_state)
    return cluster


def backend(cluster: str, workers: int, gpu_workers: int = 0, retries: int = 2):
    """The local pool of `workers`, or the Dask cluster `--cluster` names."""
    if not cluster:
        return LocalPool(workers)
    return DaskCluster(ClusterSpec.parse(cluster, workers, gpu_workers, retries))
