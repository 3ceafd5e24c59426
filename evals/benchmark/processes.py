"""One fresh process at a time: wall time, CPU time and peak memory; and the summary statistics
every measurement is reported with."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    """One fresh process: its wall time, peak RSS and output."""

    seconds: float
    cpu_seconds: float  # user + system: less sensitive than wall time to a busy machine
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def measured_environ() -> dict[str, str]:
    """This environment without ``SE_ASSISTANT_*`` (the defaults are what is measured), offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SE_ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return env


def run_process(cmd: list[str]) -> Measured:
    """Run ``cmd`` to its end; wall time and the max RSS of that process alone.

    ``os.wait4`` gives the rusage of exactly this child (RUSAGE_CHILDREN would mix all)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=measured_environ())
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return Measured(seconds, cpu, usage.ru_maxrss / 1024, proc.returncode, out.read(),
                        err.read())


def run_checked(cmd: list[str], what: str) -> Measured:
    measured = run_process(cmd)
    if measured.returncode != 0:
        tail = "\n".join(measured.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"bench: {what} failed (exit {measured.returncode}):\n{tail}")
    return measured


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: wall times mean little on a busy machine."""
    return [round(v, 2) for v in os.getloadavg()]


def cli(*args: str) -> list[str]:
    """The ``se-assistant`` command as users run it (the console script of this Python)."""
    script = Path(sys.executable).parent / "se-assistant"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "se_assistant.cli", *args]


def summary(values: list[float], scale: float = 1.0) -> dict[str, float | int]:
    """median, p95, min, max, mean of ``values`` (times ``scale``)."""
    xs = sorted(v * scale for v in values)
    if not xs:
        return {"n": 0}
    p95 = xs[min(len(xs) - 1, max(0, round(0.95 * len(xs) + 0.5) - 1))]  # nearest rank
    return {
        "n": len(xs), "median": round(statistics.median(xs), 4), "p95": round(p95, 4),
        "min": round(xs[0], 4), "max": round(xs[-1], 4), "mean": round(statistics.fmean(xs), 4),
    }


