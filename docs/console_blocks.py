"""Runnable shell sessions in the docs: run them in a scratch directory, check or rewrite their output.

The convention, for the files in :data:`RUNNABLE` (``docs/tutorial.md``, ``docs/time.md``, ``docs/integrity.md``,
``docs/backup.md``):

- a fenced block whose info string is ``console`` is a shell session; other blocks (``sh``,
  ``text``, ``json``) are only shown;
- a line starting with ``$ `` is a command; a command containing ``<<'EOF'`` goes on to the line
  ``EOF`` (a heredoc); the lines after a command, up to the next one, are what it printed —
  standard output and standard error together, as a terminal shows them;
- each block runs as one ``bash`` script, so a variable set in a block lives to its end; the
  blocks of a file run in order in one scratch directory holding a copy of ``examples/``, so
  a ledger made in one block is there in the next;
- every command must exit 0, unless the next command is ``echo $?``, which shows its status.

Output is compared after masking what changes from run to run: record times, event ids and
chain digests (which depend on record times). A table cell too narrow for a timestamp wraps it,
so on lines holding a piece of a timestamp, digits may differ digit for digit.

Rewriting runs the real ``.venv/bin/ledger``. Checking (and ``tests/docs``) runs the same entry
point, ``ledger.cli:main``, through a *fork server*: one process imports the ledger once, and each
``ledger`` command of a block forks it, with the command's argv, directory, environment and standard
streams — the same code, without paying Python's and SQLAlchemy's import time sixty times.
``--real`` checks with the real executable instead.

    .venv/bin/python docs/console_blocks.py docs/tutorial.md docs/time.md          # rewrite outputs
    .venv/bin/python docs/console_blocks.py --check docs/tutorial.md docs/time.md  # compare, exit 1 on drift
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
RUNNABLE = (DOCS / "tutorial.md", DOCS / "time.md", DOCS / "integrity.md", DOCS / "backup.md")
# The width the pasted outputs were rendered at; tables rewrap at any other.
COLUMNS = "120"
AUTHOR = "analyst"
BLOCK_TIMEOUT = 300

_FENCE = re.compile(r"^(`{3,})(\S*)\s*$")
_MASKS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?"), "<time>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<digest>"),
)
# A piece of a timestamp that a table cell wrapped: "2026-11-25T09:3", "7:40.045518+00:".
_TIME_PIECE = re.compile(r"\d{4}-\d{2}-\d{2}T\d|\d\.\d{6}|\.\d{6}\+0|\d{2}:\d{2}\.\d")


@dataclass
class Command:
    text: str  # the command as typed, without "$ ", heredoc lines included
    output: list[str] = field(default_factory=list)  # as shown in the doc


@dataclass
class Block:
    start: int  # index of the opening fence line
    end: int  # index of the closing fence line
    commands: list[Command]


def parse(lines: list[str]) -> list[Block]:
    """The ``console`` blocks of a Markdown file (as a list of lines without newlines)."""
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info = match.groups()
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != fence:
            j += 1
        if info == "console":
            blocks.append(Block(i, j, _commands(lines[i + 1 : j])))
        i = j + 1
    return blocks


def _commands(body: list[str]) -> list[Command]:
    commands: list[Command] = []
    k = 0
    while k < len(body):
        line = body[k]
        if line.startswith("$ "):
            text = [line[2:]]
            if "<<'EOF'" in line:
                while k + 1 < len(body):
                    k += 1
                    text.append(body[k])
                    if body[k] == "EOF":
                        break
            commands.append(Command("\n".join(text)))
        elif commands:
            commands[-1].output.append(line)
        else:
            raise ValueError(f"console block line before any command: {line!r}")
        k += 1
    return commands


def environment(home: Path) -> dict[str, str]:
    """A predictable shell: the repository's ledger first on PATH, fixed width, author and zone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update({
        "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "COLUMNS": COLUMNS,
        "LEDGER_AUTHOR": AUTHOR,
        "PYTHONUNBUFFERED": "1",  # keep stdout and stderr in the order a terminal shows them
        "TZ": "UTC",
        "HOME": str(home),
    })
    env.pop("LINES", None)
    return env


def scratch() -> Path:
    """A fresh directory with a copy of ``examples/``, as the tutorial asks the reader to make."""
    where = Path(tempfile.mkdtemp(prefix="ledger-docs-"))
    shutil.copytree(REPO / "examples", where / "examples")
    return where


@dataclass
class Ran:
    command: Command
    exit_code: int
    output: list[str]


def _script(commands: list[Command]) -> str:
    parts = ["exec 2>&1", "__rc=0"]
    for n, cmd in enumerate(commands):
        allowed = n + 1 < len(commands) and commands[n + 1].text.strip() == "echo $?"
        # The marker is printed, then the previous status restored, so `echo $?` sees the command before.
        parts.append(f"printf '@@CMD {n}@@\\n'; (exit $__rc)")
        parts.append(cmd.text)
        parts.append(f"__rc=$?; printf '\\n@@END {n} %d@@\\n' \"$__rc\"")
        if not allowed:
            parts.append('[ "$__rc" -eq 0 ] || exit 97')
    return "\n".join(parts) + "\n"


def run_block(block: Block, cwd: Path, env: dict[str, str]) -> list[Ran]:
    """Run one block as a bash script; the commands that ran, with status and output."""
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", _script(block.commands)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
    out = proc.stdout
    ran = []
    for n, cmd in enumerate(block.commands):
        start = out.find(f"@@CMD {n}@@\n")
        if start < 0:
            break
        start += len(f"@@CMD {n}@@\n")
        end = re.compile(rf"\n@@END {n} (\d+)@@\n").search(out, start)
        if end is None:
            ran.append(Ran(cmd, -1, _lines(out[start:])))
            break
        ran.append(Ran(cmd, int(end.group(1)), _lines(out[start : end.start()])))
    return ran


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.rstrip("\n").split("\n")]
    return [] if lines == [""] else lines


def mask(line: str) -> str:
    for pattern, token in _MASKS:
        line = pattern.sub(token, line)
    return line


def same_line(shown: str, got: str) -> bool:
    """Equal once masked; on a line with a wrapped timestamp, digits may differ digit for digit."""
    if mask(shown) == mask(got):
        return True
    if len(shown) == len(got) and _TIME_PIECE.search(shown):
        return all(a == b or (a.isdigit() and b.isdigit()) for a, b in zip(shown, got, strict=True))
    return False


def same_output(shown: list[str], got: list[str]) -> bool:
    shown = [line.rstrip() for line in shown]
    return len(shown) == len(got) and all(same_line(a, b) for a, b in zip(shown, got, strict=True))


@dataclass
class Problem:
    path: Path
    line: int
    command: str
    message: str

    def __str__(self) -> str:
        return f"{self.path.name}:{self.line}: $ {self.command.splitlines()[0]}\n{self.message}"


def run_file(path: Path, fast: bool = False) -> Iterator[tuple[Block, list[Ran]]]:
    """Run every console block of ``path`` in order in one scratch directory."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cwd = scratch()
    env = environment(cwd)
    try:
        with fork_server(cwd, env) if fast else _nothing():
            for block in parse(lines):
                yield block, run_block(block, cwd, env)
    finally:
        shutil.rmtree(cwd, ignore_errors=True)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def check(path: Path, compare: bool = True, fast: bool = True) -> list[Problem]:
    """Problems: a command that failed or did not run, or (with ``compare``) printed something else."""
    problems: list[Problem] = []
    for block, ran in run_file(path, fast):
        line = block.start + 2
        for n, cmd in enumerate(block.commands):
            if n >= len(ran):
                problems.append(Problem(path, line, cmd.text, "did not run (an earlier command failed)"))
                break
            result = ran[n]
            allowed = n + 1 < len(block.commands) and block.commands[n + 1].text.strip() == "echo $?"
            if result.exit_code != 0 and not allowed:
                problems.append(Problem(path, line, cmd.text, f"exit status {result.exit_code}:\n"
                                        + "\n".join(result.output[-20:])))
                break
            if compare and not same_output(cmd.output, result.output):
                diff = "\n".join(f"  doc: {a}\n  got: {b}" for a, b in _pairs(cmd.output, result.output)
                                 if not same_line(a, b))
                problems.append(Problem(path, line, cmd.text, f"printed something else:\n{diff}"))
            line += 1 + cmd.text.count("\n") + len(cmd.output)
    return problems


def _pairs(a: list[str], b: list[str]) -> Iterator[tuple[str, str]]:
    for i in range(max(len(a), len(b))):
        yield (a[i] if i < len(a) else "<nothing>"), (b[i] if i < len(b) else "<nothing>")


def refresh(path: Path) -> int:
    """Rewrite the outputs in ``path`` from a fresh run; return the number of failed commands."""
    lines = path.read_text(encoding="utf-8").split("\n")
    failures = 0
    replacements: list[tuple[int, int, list[str]]] = []
    for block, ran in run_file(path):
        body: list[str] = []
        for n, cmd in enumerate(block.commands):
            body.extend("$ " + part if i == 0 else part for i, part in enumerate(cmd.text.split("\n")))
            if n < len(ran):
                body.extend(ran[n].output)
                allowed = n + 1 < len(block.commands) and block.commands[n + 1].text.strip() == "echo $?"
                if ran[n].exit_code != 0 and not allowed:
                    failures += 1
                    print(f"{path.name}: $ {cmd.text.splitlines()[0]} exited {ran[n].exit_code}", file=sys.stderr)
            else:
                body.extend(cmd.output)
        replacements.append((block.start + 1, block.end, body))
    for start, end, body in reversed(replacements):
        lines[start:end] = body
    path.write_text("\n".join(lines), encoding="utf-8")
    return failures


# -- the fork server ----------------------------------------------------------------------------------

# What every command imports anyway, loaded once in the server before it forks.
PRELOAD = ("ledger.cli", "ledger.service", "ledger.store", "ledger.append", "ledger.reports", "ledger.maintenance",
           "ledger.schema", "pycountry", "rich.console", "rich.table", "orjson")

CLIENT = """#!{python} -S
# `ledger` for the docs check: hand argv, directory, environment and standard streams to the fork server.
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect({sock!r})
data = repr((sys.argv[1:], os.getcwd(), dict(os.environ))).encode()
socket.send_fds(s, [len(data).to_bytes(8, "big") + data], [0, 1, 2])
reply = s.recv(16)
sys.exit(int(reply) if reply else 1)
"""


@contextmanager
def fork_server(cwd: Path, env: dict[str, str]) -> Iterator[None]:
    """Start a server for this run and put a ``ledger`` that talks to it first on ``env["PATH"]``."""
    sock = str(cwd / ".ledger.sock")
    bin_dir = cwd / ".bin"
    bin_dir.mkdir()
    client = bin_dir / "ledger"
    client.write_text(CLIENT.format(python=sys.executable, sock=sock), encoding="utf-8")
    client.chmod(0o755)
    server = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", sock], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError("the docs fork server did not start")
        env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
        yield
    finally:
        env["PATH"] = env["PATH"].split(os.pathsep, 1)[1]
        server.terminate()
        server.wait(timeout=30)


def serve(path: str) -> None:
    """Accept ``ledger`` invocations on a Unix socket; run each in a forked child."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _child(conn)
        conn.close()


def _child(conn: socket.socket) -> None:
    status = 1
    try:
        first, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
        size = int.from_bytes(first[:8], "big")
        data = first[8:]
        while len(data) < size:
            data += conn.recv(size - len(data))
        import ast

        argv, cwd, env = ast.literal_eval(data.decode())
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
        # As PYTHONUNBUFFERED=1 sets them up: an unbuffered binary layer under a write-through text layer.
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", write_through=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", write_through=True)
        from ledger.cli import run

        try:
            status = run(list(argv))
        finally:
            for stream in (sys.stdout, sys.stderr):
                with suppress(OSError):
                    stream.flush()
    finally:
        try:
            conn.sendall(str(status).encode())
        finally:
            os._exit(0)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        serve(argv[1])
        return 0
    check_only = "--check" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or list(RUNNABLE)
    status = 0
    for path in paths:
        if check_only:
            problems = check(path, fast="--real" not in argv)
            for problem in problems:
                print(problem, file=sys.stderr)
            status |= 1 if problems else 0
        else:
            status |= 1 if refresh(path) else 0
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
