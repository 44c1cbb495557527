"""What a grading run shows while it works, and what it cost at the end.

While jobs run: one line with the jobs done, running and failed, and an estimate of the time left
(the mean time of the jobs done so far, times the jobs left, over the jobs that run side by side).
On a terminal the line is redrawn in place; in a log, a line per finished job. At the end: the time
per job (mean, median, the longest) and each worker's use (jobs, busy seconds, share of the run).
"""
import statistics
import sys
import time


class Progress:
    def __init__(self, total: int, slots: int, log=print, stream=None):
        self.total, self.slots, self.log = total, max(1, slots), log
        self.stream = stream if stream is not None else sys.stderr
        self.live = getattr(self.stream, "isatty", lambda: False)()
        self.started = time.monotonic()
        self.done = self.failed = 0
        self.results = []

    def running(self, count: int = None) -> int:
        left = self.total - self.done
        return min(self.slots, left) if count is None else min(count, left)

    def left_seconds(self):
        seconds = [r.seconds for r in self.results if r.seconds]
        if not seconds:
            return None
        return statistics.mean(seconds) * (self.total - self.done) / self.slots

    def line(self, running: int = None) -> str:
        left = self.left_seconds()
        eta = "" if left is None or self.done == self.total else f", about {_duration(left)} left"
        return (f"graded {self.done}/{self.total}, {self.running(running)} running, {self.failed} failed, "
                f"{_duration(time.monotonic() - self.started)} so far{eta}")

    def finished(self, result, running: int = None) -> None:
        self.done += 1
        self.failed += not result.success
        self.results.append(result)
        if self.live:
            self.stream.write("\r" + self.line(running).ljust(100))
            self.stream.flush()
        else:
            state = "ok" if result.success else "FAILED"
            self.log(f"  {result.student}/{result.assignment}: {state} in {result.seconds:.0f} s "
                     f"({self.line(running)})")

    def summary(self) -> list:
        """Lines: time per job and worker use."""
        if self.live:
            self.stream.write("\n")
        if not self.results:
            return []
        wall = time.monotonic() - self.started
        seconds = [r.seconds for r in self.results]
        longest = max(self.results, key=lambda r: r.seconds)
        lines = [f"{len(self.results)} jobs in {_duration(wall)}: {statistics.mean(seconds):.1f} s per job on "
                 f"average (median {statistics.median(seconds):.1f} s, longest {longest.seconds:.0f} s: "
                 f"{longest.student}/{longest.assignment})"]
        workers = {}
        for result in self.results:
            workers.setdefault(result.worker or "?", []).append(result)
        for worker, own in sorted(workers.items()):
            busy = sum(r.seconds for r in own)
            lines.append(f"  worker {worker}: {len(own)} jobs, busy {busy:.0f} s ({100 * busy / max(wall, 1e-9):.0f}% of the run)")
        return lines


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
