"""Running a command and measuring its wall time and peak memory, worker processes included.

Two memory numbers, both for the command alone (never the benchmark's own process):

- ``max_rss_mb``: the largest resident set of any one process of the command
  (``ru_maxrss`` from ``os.wait4``: the process and the children it reaped);
- ``peak_tree_mb``: the largest total PSS of the command's whole process tree,
  sampled every 100 ms from ``/proc``.  This is what a tool that fans out to
  worker processes really occupies: PSS splits pages shared after ``fork``
  between the processes, so they are not counted twice.  Without ``/proc`` it
  is 0.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SAMPLE_SECONDS = 0.1
"""Reading smaps_rollup walks a process's page tables: sampling more often steals CPU from the tool."""


@dataclass(frozen=True)
class Run:
    """One command run to completion."""

    command: tuple[str, ...]
    returncode: int
    seconds: float
    max_rss_mb: float
    peak_tree_mb: float
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0
    """User + system CPU time of the command and the children it reaped: steadier than wall time on a
    busy machine."""

    def check(self) -> Run:
        if self.returncode != 0:
            output = self.stdout[-3000:] + self.stderr[-3000:]
            raise SystemExit(f"failed ({self.returncode}): {' '.join(self.command)}\n{output}")
        return self


def run(*command: str | os.PathLike[str], cwd: Path | None = None) -> Run:
    """Run ``command``, outputs captured, and measure it."""
    args = tuple(map(str, command))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        sampler = _TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            args,
            process.returncode,
            seconds,
            usage.ru_maxrss / 1024,  # KiB on Linux
            sampler.peak_kib / 1024,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            usage.ru_utime + usage.ru_stime,
        )


class _TreeSampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(_SAMPLE_SECONDS):
            self.peak_kib = max(self.peak_kib, tree_pss_kib(self.root))

    def stop(self) -> None:
        self._done.set()
        self.join()


def tree_pss_kib(root: int) -> int:
    """Total PSS (KiB) of ``root`` and its descendants now; 0 where ``/proc`` cannot tell."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if entry.isdigit():
            parent = _parent(int(entry))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, ()))
        total += _pss_kib(pid)
    return total


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
