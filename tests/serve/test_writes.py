"""``POST /api/events``: all or nothing as ``ledger append --file``, a token for every write, its name the author."""

from __future__ import annotations

import json

from tests.conftest import SAMPLE
from tests.scenario import ev
from tests.serve.conftest import Served


def body(events: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(e) + "\n" for e in events).encode()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


MEASURE = ev("measure.announced", "2025-04-02", measure="m-one", imposer="US", partners=["JP"], products=["*"],
             rate=10, basis="IEEPA reciprocal", effective_on="2025-04-09")


def events_in(served: Served) -> int:
    return served.client.get("/api/health").json()["events"]  # type: ignore[no-any-return]


def test_append_records_the_token_name_as_author_whatever_the_event_says(fresh: Served) -> None:
    claimed = {**MEASURE, "recorded_by": "someone-else"}
    answer = fresh.client.post("/api/events", content=body([claimed]), headers=bearer(fresh.token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["appended"] == 1 and answer.json()["recorded_by"] == "bob"
    history = fresh.client.get("/api/history").json()["events"]
    assert [e["recorded_by"] for e in history] == ["bob"]


def test_a_json_array_body_is_appended_too(fresh: Served) -> None:
    answer = fresh.client.post("/api/events", content=json.dumps([MEASURE]).encode(), headers=bearer(fresh.token))
    assert answer.status_code == 200 and answer.json()["appended"] == 1


def test_a_bad_third_line_is_400_naming_line_and_field_and_writes_nothing(fresh: Served) -> None:
    bad = {**ev("measure.amended", "2025-05-01", measure="m-one", effective_on="2025-05-02"), "rate": -5}
    lines = [MEASURE, ev("measure.suspended", "2025-04-10", measure="m-one", effective_on="2025-04-10"), bad]
    answer = fresh.client.post("/api/events", content=body(lines), headers=bearer(fresh.token))
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["line"] == 3 and error["field"] == "rate" and error["nothing_written"] is True
    assert events_in(fresh) == 0
    # The CLI says the same of the same file, in the same words.
    run = fresh.cli("append", "--file", "-", input=body(lines))
    assert run.exit_code == 2
    assert run.stderr.splitlines()[0] == f"error: {error['message']}"
    assert events_in(fresh) == 0


def test_a_line_that_is_not_json_is_named(fresh: Served) -> None:
    content = body([MEASURE]) + b"{not json\n"
    answer = fresh.client.post("/api/events", content=content, headers=bearer(fresh.token))
    assert answer.status_code == 400 and answer.json()["error"]["line"] == 2
    assert events_in(fresh) == 0


def test_without_a_token_the_write_is_401(fresh: Served) -> None:
    for headers in ({}, bearer("ldg_not-a-token"), {"Authorization": "Basic Ym9iOng="}):
        answer = fresh.client.post("/api/events", content=body([MEASURE]), headers=headers)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "ledger token create" in answer.json()["error"]["message"]
    assert events_in(fresh) == 0


def test_a_revoked_token_stops_working_at_once_on_a_running_server(fresh: Served) -> None:
    first = fresh.client.post("/api/events", content=body([MEASURE]), headers=bearer(fresh.token))
    assert first.status_code == 200
    assert fresh.cli("token", "revoke", "bob").exit_code == 0
    later = ev("measure.revoked", "2025-06-01", measure="m-one", effective_on="2025-06-02")
    answer = fresh.client.post("/api/events", content=body([later]), headers=bearer(fresh.token))
    assert answer.status_code == 401
    assert events_in(fresh) == 1


def test_a_body_over_the_limit_is_413_and_writes_nothing(fresh: Served) -> None:
    big = SAMPLE.read_bytes()  # far over the fixture's 4 KiB limit
    answer = fresh.client.post("/api/events", content=big, headers=bearer(fresh.token))
    assert answer.status_code == 413
    assert "limit" in answer.json()["error"]["message"]
    # Without a Content-Length (a chunked upload), the limit holds as the body arrives.
    chunked = fresh.client.post("/api/events", content=iter([big[:3000], big[3000:]]), headers=bearer(fresh.token))
    assert chunked.status_code == 413
    assert events_in(fresh) == 0


def test_the_same_body_twice_adds_nothing_the_second_time(fresh: Served) -> None:
    event = {**MEASURE, "id": "0b7a6f5e-1d2c-4b3a-8f9e-0a1b2c3d4e5f"}
    for appended in (1, 0):
        answer = fresh.client.post("/api/events", content=body([event]), headers=bearer(fresh.token))
        assert answer.status_code == 200 and answer.json()["appended"] == appended


def test_private_reads_need_a_token(fresh: Served) -> None:
    from tests.serve.conftest import serve

    with serve(fresh.cli.url, private=True) as client:
        assert client.get("/api/health").status_code == 401
        assert client.get("/", params={"as_of": "2025-06-01"}).status_code == 401
        assert client.get("/api/health", headers=bearer(fresh.token)).status_code == 200


def test_an_append_changes_the_next_answer_at_once(fresh: Served) -> None:
    """Answers are kept per log position: after an append (through the API or the CLI) the answer is new."""
    question = {"as_of": "2025-06-01", "imposer": "US"}
    assert fresh.client.get("/api/rate/JP/870323", params=question).json()["rate"] == 0
    assert fresh.client.post("/api/events", content=body([MEASURE]), headers=bearer(fresh.token)).status_code == 200
    assert fresh.client.get("/api/rate/JP/870323", params=question).json()["rate"] == 10
    later = ev("measure.amended", "2025-05-01", measure="m-one", effective_on="2025-05-02", rate=20)
    assert fresh.cli.append_lines([later]).exit_code == 0  # another writer, outside this server
    got = fresh.client.get("/api/rate/JP/870323", params=question).json()
    assert got["rate"] == 20
    assert got == fresh.cli("rate", "JP", "870323", "--as-of", "2025-06-01", "--imposer", "US", "--format",
                            "json").json()
