"""What can be wrong with the place ``--db`` names, said in one sentence instead of a driver's traceback.

Two kinds of check:

- before ``ledger init`` touches a SQLite file (:func:`check_init_target`): a
  directory, a file that is not a SQLite database, or a SQLite database that
  holds other tables and no ledger — ``init`` would otherwise add its tables
  beside them and switch the file to WAL mode. ``ledger init --force`` accepts
  the last case. (A PostgreSQL schema is not checked that way: a shared
  database often holds other tables, and the ledger is pointed at its schema
  on purpose.)
- after a database call failed (:func:`storage_failure`): a read-only file or
  directory, a server that does not answer, a database that does not exist, a
  role without a privilege. Each becomes a :class:`StorageError` (exit 1)
  naming what could not be done, where, and the driver's first line::

      cannot create the ledger at /data/l.db: the database is read-only (file permissions, an immutable
      file or a read-only mount) — attempt to write a readonly database

Anything else is left alone, so a bug still surfaces as one.
"""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from ledger.errors import StorageError

SQLITE_HEADER = b"SQLite format 3\x00"


def no_room(sorting: str = "") -> str:
    """SQLite's "database or disk is full": the ledger's disk, or the one SQLite sorts on (a large import's
    refold, ``verify``'s replay: ``projections.readmodel.writer.SortedScan``, ``ledger.replay.check_replay``)."""
    return ("no room left on the disk of the ledger file (and its -wal file) or in the temporary directory SQLite "
            f"sorts {sorting}in ($SQLITE_TMPDIR, else $TMPDIR, else /var/tmp or /tmp)")


# Words of a driver's message (lower case, all present) → what they mean to someone holding the --db value.
_HINTS = (
    (("readonly database",), "the database is read-only (file permissions, an immutable file or a read-only "
                             "mount)"),
    (("read-only",), "the database is read-only"),
    (("unable to open database file",), "SQLite cannot open or create the file (does its directory exist, and "
                                        "may this user write there?)"),
    (("file is not a database",), "the file is not a SQLite database"),
    (("permission denied",), "the database role lacks a privilege this needs"),
    (('database "', "does not exist"), "that database does not exist on the server (create it first, e.g. "
                                       "with `createdb`)"),
    (("connection",), "cannot connect to the database server"),
    (("disk i/o error",), "the disk failed"),
    (("database or disk is full",), no_room()),
)


def check_init_target(path: Path | None, force: bool = False) -> None:
    """Refuse, before anything is written, a SQLite path that ``init`` must not turn into a ledger."""
    if path is None:
        return
    if path.is_dir():
        raise StorageError(f"{path} is a directory: give the ledger a file, e.g. --db {path / 'ledger.db'}")
    if not path.parent.is_dir():
        raise StorageError(f"directory {path.parent} does not exist")
    if not path.is_file() or path.stat().st_size == 0:
        return  # a new or empty file: SQLite makes it a database
    try:
        with path.open("rb") as stream:
            header = stream.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from None
    if header != SQLITE_HEADER:
        raise StorageError(f"{path} is not a SQLite database: refusing to touch it; point --db at a new "
                           "file or at an existing ledger")
    others = _foreign_tables(path)
    if others and not force:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise StorageError(f"{path} is a SQLite database with other tables ({shown}) and no ledger: `ledger "
                           "init` would add its tables beside them; use another file, or `ledger init --force` "
                           "to add them anyway")


def _foreign_tables(path: Path) -> list[str]:
    """Tables of an existing SQLite file when none is the ledger's, else [] (a ledger, maybe half-created).

    Read through a read-only connection, so looking changes nothing (not even the journal mode); closed
    after (sqlite3's own ``with`` only commits).
    """
    from ledger.schema import APPEND_ONLY
    from projections.readmodel.tables import metadata

    ours = set(APPEND_ONLY) | set(metadata.tables)
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    except sqlite3.Error:
        return []  # cannot tell: init itself will say what is wrong with the file
    if ours & set(names):
        return []
    return sorted(name for name in names if not name.startswith("sqlite_"))


def storage_errors() -> tuple[type[BaseException], ...]:
    """The database libraries' error classes that are loaded: sqlite3's, and psycopg's (only PostgreSQL ledgers
    load it), SQLAlchemy's and the event store's (an append or a read loads neither). An exception of a module
    never loaded cannot have been raised, so nothing is imported here just to name its errors."""
    found: list[type[BaseException]] = [sqlite3.Error]
    for module, name in (("sqlalchemy.exc", "SQLAlchemyError"), ("eventsourcing.persistence", "PersistenceError"),
                         ("psycopg", "Error")):
        loaded = sys.modules.get(module)
        if loaded is not None:
            found.append(getattr(loaded, name))
    return tuple(found)


def reason(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's class prefix and background link."""
    inner = getattr(exc, "orig", None) or exc.__cause__ or exc
    text = " ".join(str(inner).split("\n")[0].split())
    return text or inner.__class__.__name__


def storage_failure(exc: BaseException, doing: str | None = None, where: str | None = None) -> StorageError | None:
    """A :class:`StorageError` for a database failure, or None when ``exc`` is something else (a bug).

    ``doing`` ("create the ledger") and ``where`` (the ledger's place) make the sentence;
    without them it reads "the database failed: …". A file-system error (``OSError``) counts
    only with ``where``: then the caller knows it was touching the store, not writing a chart.
    """
    if isinstance(exc, StorageError):
        return exc
    if not isinstance(exc, storage_errors()) and not (where and isinstance(exc, OSError)):
        return None
    why = reason(exc)
    lowered = why.lower()
    hint = next((meaning for words, meaning in _HINTS if all(w in lowered for w in words)), None)
    head = f"cannot {doing} at {where}" if doing and where else "the database failed"
    return StorageError(f"{head}: {hint} — {why}" if hint else f"{head}: {why}")
