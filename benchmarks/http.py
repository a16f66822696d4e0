"""Load on ``ledger serve``: 32 readers ask ``state`` and ``rate`` of a 100k ledger while one writer appends.

    python -m benchmarks.http                      # 100k SQLite ledger in a temporary folder, one worker
    python -m benchmarks.http --keep /tmp/http100k # keep (and reuse) the ledger between runs
    python -m benchmarks.http --size 10000 --seconds 10 --requests 200   # a quick look

The server is a real ``ledger serve`` process on 127.0.0.1 (never another host), one worker unless
``--workers``. Readers are threads of this process, each with its own keep-alive connection; each
stops after ``--requests`` answers or ``--seconds``, whichever comes first. The writer appends
``--events`` events (new measures with fixed ids) through ``POST /api/events`` in batches of
``--batch``, with a token created for the run. Afterwards ``ledger verify`` must pass and every
appended id must be in the export exactly once. Prints requests/s and p50/p99 latency per endpoint
(docs/performance.md, "HTTP load").
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.generate import write_file
from benchmarks.proc import child_env, ledger_argv

HOST = "127.0.0.1"
DAYS = [f"2025-{m:02d}-{d:02d}" for m in range(1, 13) for d in (1, 15)]
PRODUCTS = ["870323", "87032301", "9503", "8708", "7208", "760110"]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, endpoint: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latencies.setdefault(endpoint, []).append(seconds)
            if not ok:
                self.failures[endpoint] = self.failures.get(endpoint, 0) + 1


def run_cli(db: str, *args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run([*ledger_argv(), "--db", db, *args], input=stdin, capture_output=True, env=child_env())
    if done.returncode != 0:
        raise RuntimeError(f"ledger {' '.join(args)}: {done.stderr.decode()[-1500:]}")
    return done.stdout.decode()


def prepare(folder: Path, size: int) -> str:
    """A ``size``-event SQLite ledger in ``folder`` (reused when it is already there)."""
    db = folder / f"ledger-{size}.db"
    if not db.exists():
        source = folder / f"big-{size}.jsonl"
        write_file(source, "big", size, seed=7)
        run_cli(str(db), "init")
        print(f"loading {size} events into {db} …", file=sys.stderr)
        run_cli(str(db), "append", "--file", str(source))
    return str(db)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError("ledger serve exited before answering")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("ledger serve did not answer")


def reader(port: int, seed: int, requests: int, deadline: float, tally: Tally) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    for n in range(requests):
        if time.monotonic() > deadline:
            break
        day = rng.choice(DAYS)
        if n % 2:
            endpoint, path = "state", f"/api/state?as_of={day}&imposer=US&partner=JP"
        else:
            endpoint, path = "rate", f"/api/rate/JP/{rng.choice(PRODUCTS)}?as_of={day}&imposer=US"
        start = time.perf_counter()
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            ok = answer.status == 200
        except OSError:
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            ok = False
        tally.add(endpoint, time.perf_counter() - start, ok)
    connection.close()


def new_events(count: int) -> list[dict[str, object]]:
    """``count`` new measures, with ids and slugs of this run only (so a kept ledger can be loaded again)."""
    run = uuid.uuid4()
    return [{"type": "measure.announced", "id": str(uuid.uuid5(run, str(i))), "date": "2025-05-01",
             "measure": f"bench-http-{run.hex[:8]}-{i}", "imposer": "FR", "partners": ["NZ"],
             "products": [f"{10 + i % 80:02d}"],
             "rate": 5, "basis": "load test", "effective_on": "2025-06-01", "source": "benchmarks/http.py"}
            for i in range(count)]


def writer(port: int, token: str, events: list[dict[str, object]], batch: int, tally: Tally) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    for start in range(0, len(events), batch):
        body = "".join(json.dumps(e) + "\n" for e in events[start:start + batch]).encode()
        began = time.perf_counter()
        connection.request("POST", "/api/events", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"})
        answer = connection.getresponse()
        text = answer.read()
        tally.add("append", time.perf_counter() - began, answer.status == 200)
        if answer.status != 200:
            print(f"append failed: {answer.status} {text[:300]!r}", file=sys.stderr)
    connection.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="events in the ledger read (default 100k)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=600, help="most answers one reader asks for")
    parser.add_argument("--seconds", type=float, default=60.0, help="most time the readers run")
    parser.add_argument("--events", type=int, default=1000, help="events the writer appends")
    parser.add_argument("--batch", type=int, default=10, help="events per POST")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cache", type=int, default=4096, help="ledger serve --cache (0: every answer computed)")
    parser.add_argument("--keep", help="folder to keep the ledger in (reused when there)")
    args = parser.parse_args(argv)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ledger-http-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = prepare(folder, args.size)
    before = json.loads(run_cli(db, "digest", "--format", "json"))["events"]
    token = run_cli(db, "token", "create", f"bench-{uuid.uuid4().hex[:8]}").strip()
    port = free_port()
    server = subprocess.Popen([*ledger_argv(), "--db", db, "serve", "--port", str(port), "--workers",
                               str(args.workers), "--cache", str(args.cache)], env=child_env(),
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    tally = Tally()
    events = new_events(args.events)
    try:
        wait_until_up(port, server)
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=reader, args=(port, i, args.requests, deadline, tally))
                   for i in range(args.clients)]
        threads.append(threading.Thread(target=writer, args=(port, token, events, args.batch, tally)))
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads[:-1]:
            t.join()
        readers_done = time.perf_counter() - began
        threads[-1].join()
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=60)

    print(f"ledger of {before} events, {args.clients} readers, 1 writer ({args.events} events in POSTs of "
          f"{args.batch}), {args.workers} worker(s), cache {args.cache}; readers ran {readers_done:.1f} s, "
          f"all {elapsed:.1f} s")
    print("| endpoint | requests | failed | requests/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|")
    for endpoint in ("rate", "state", "append"):
        got = tally.latencies.get(endpoint, [])
        if not got:
            continue
        span = readers_done if endpoint != "append" else elapsed
        print(f"| {endpoint} | {len(got)} | {tally.failures.get(endpoint, 0)} | {len(got) / span:.0f} | "
              f"{statistics.median(got) * 1000:.1f} | {percentile(got, 0.99) * 1000:.1f} |")

    verdict = subprocess.run([*ledger_argv(), "--db", db, "verify"], capture_output=True, env=child_env())
    ids = {e["id"] for e in events}
    seen: dict[str, int] = {}
    for line in run_cli(db, "export").splitlines():
        found = json.loads(line).get("id")
        if found in ids:
            seen[found] = seen.get(found, 0) + 1
    after = json.loads(run_cli(db, "digest", "--format", "json"))["events"]
    exactly_once = len(seen) == len(ids) and all(n == 1 for n in seen.values())
    print(f"verify: {'passed' if verdict.returncode == 0 else 'FAILED ' + verdict.stderr.decode()[-300:]}; "
          f"appended ids in the export exactly once: {exactly_once} ({len(seen)}/{len(ids)}); "
          f"events {before} -> {after}")
    return 0 if verdict.returncode == 0 and exactly_once and after == before + len(ids) else 1


if __name__ == "__main__":
    raise SystemExit(main())
