"""An append writes the log's rows itself, on the driver (``ledger.log``), without loading the event
store's library. The library must read them back as its own: the same stream and versions, the topic
``get_topic`` gives the model, the state its mapper decodes to the event appended, and on PostgreSQL the
``NOTIFY`` its subscriptions listen for. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from eventsourcing.utils import get_topic

from events.parse import parse_event
from events.registry import EVENT_TYPES
from ledger.log import topic_of
from ledger.service import Ledger
from ledger.storage import EVENTS_TABLE
from ledger.store import LEDGER_STREAM
from tests.unit.test_events import EXAMPLES


def test_the_topic_of_each_type_is_the_librarys() -> None:
    assert {t: topic_of(t) for t in EVENT_TYPES} == {t: get_topic(m) for t, m in EVENT_TYPES.items()}


def test_the_library_reads_what_an_append_wrote_as_its_own(store: Ledger) -> None:
    store.append(list(enumerate(EXAMPLES, start=1)))
    app = store.app()
    assert app.recorder.events_table_name == EVENTS_TABLE
    stored = app.recorder.select_notifications(1, 1000)
    assert [s.id for s in stored] == list(range(1, len(EXAMPLES) + 1))  # notification ids, in record order
    entries = [app.mapper.to_domain_event(s) for s in stored]
    assert {e.originator_id for e in entries} == {LEDGER_STREAM}
    assert [e.originator_version for e in entries] == list(range(1, len(EXAMPLES) + 1))
    assert [s.topic for s in stored] == [get_topic(type(e.event)) for e in entries]
    assert [e.event for e in entries] == [parse_event(x) for x in EXAMPLES]
    # The library's own read of the stream agrees too.
    assert [s.originator_version for s in app.recorder.select_events(LEDGER_STREAM)] == list(
        range(1, len(EXAMPLES) + 1))


def test_an_append_notifies_the_librarys_channel_on_postgresql(store: Ledger) -> None:
    app = store.app()
    if app.recorder.datastore.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no LISTEN/NOTIFY: the library's subscriptions poll it")
    import psycopg

    from ledger.storage import connect

    listener = connect(store.url).conn
    listener.autocommit = True
    try:
        listener.execute(f"LISTEN {app.recorder.channel_name}")
        store.append([(1, EXAMPLES[0])])
        # NOTIFY is database-wide: ledgers in other schemas (other test workers) share the channel, so
        # only a notification from the backend that wrote this append counts.
        writer_pid = store._idle[0][0].conn.info.backend_pid
        heard = []
        for n in listener.notifies(timeout=10):
            heard.append((n.channel, n.pid))
            if n.pid == writer_pid:
                break
        assert (app.recorder.channel_name, writer_pid) in heard
    finally:
        listener.close()
    assert isinstance(listener, psycopg.Connection)


def test_an_append_reuses_the_schema_checks_connection_and_leaves_it_as_a_reader(store: Ledger) -> None:
    # A typed append checks the schema on a reader, then writes on the same connection (no second connect:
    # ~15 ms on PostgreSQL) and keeps it idle for reads, with SQLite's page cache back to the default.
    store.append([(1, EXAMPLES[0])])
    assert len(store._idle) == 1
    reader = store._idle[0][0]
    if reader.dialect == "sqlite":
        assert reader.conn.execute("PRAGMA cache_size").fetchone()[0] == -2000
    store.append([(1, EXAMPLES[1])])
    assert [r for r, _ in store._idle] == [reader]
    assert store.digest().to_json()["events"] == 2
