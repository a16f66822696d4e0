"""Running ``ledger`` as a user does: a fresh process, timed, with its own peak memory and CPU time.

Wall time is what the analyst waits for; CPU time (user + system) is what the command costs,
and hardly moves when other jobs share the machine, so both are kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Child:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: bytes
    stderr: bytes
    cpu_seconds: float = 0.0  # user + system time of the child: what it costs, whatever else the machine runs


def ledger_argv() -> list[str]:
    script = Path(sys.executable).parent / "ledger"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from ledger.cli import main; main()"]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LEDGER_DB", "PYTHONPROFILEIMPORTTIME")}
    env.update(LEDGER_AUTHOR="bench", COLUMNS="200")
    return env


# Spawns the measured command and reports its wall time and peak RSS. A separate, tiny process is needed:
# on Linux a child's ru_maxrss starts from its parent's high-water mark (exec keeps the old mm's peak), so
# children spawned straight from the runner, which holds generated data, would all report the runner's size.
LAUNCHER = """import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime], out)
"""


def run_child(argv: list[str]) -> Child:
    """Run ``argv`` to completion: its wall time, and the peak RSS of that process alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".json") as report:
        subprocess.run([sys.executable, "-S", "-c", LAUNCHER, report.name, *argv], stdout=out, stderr=err,
                       stdin=subprocess.DEVNULL, env=child_env(), check=True)
        seconds, maxrss_kib, returncode, cpu = json.loads(Path(report.name).read_text())
        out.seek(0)
        err.seek(0)
        return Child(seconds, maxrss_kib / 1024, returncode, out.read(), err.read(), cpu)


def ledger(url: str, *args: str, check: bool = True) -> Child:
    """``ledger --db URL ARGS…`` as a fresh process; a non-zero exit raises with its stderr."""
    result = run_child([*ledger_argv(), "--db", url, *args])
    if check and result.returncode != 0:
        raise RuntimeError(f"ledger {' '.join(args)} failed ({result.returncode}): {result.stderr.decode()[-2000:]}")
    return result
