"""The JSON API answers as the CLI does, on SQLite and PostgreSQL, in the shapes its OpenAPI document declares."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.serve import models
from tests.serve.conftest import Served


def cli_json(served: Served, *args: str) -> Any:
    run = served.cli(*args, "--format", "json")
    assert run.exit_code == 0, run.stderr
    return run.json()


def api(served: Served, path: str, **params: str) -> Any:
    answer = served.client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    return answer.json()


class TestSameAnswersAsTheCli:
    @pytest.mark.parametrize("args", [("2025-06-01", None, None), ("2025-06-01", "JP", "US"),
                                      ("2025-04-09", None, "US"), ("2025-08-01", "JP", None)])
    def test_state(self, sample: Served, args: tuple[str, str | None, str | None]) -> None:
        day, partner, imposer = args
        options = ["--as-of", day] + (["--partner", partner] if partner else []) + (
            ["--imposer", imposer] if imposer else [])
        params = {"as_of": day, **({"partner": partner} if partner else {}),
                  **({"imposer": imposer} if imposer else {})}
        got = api(sample, "/api/state", **params)
        assert got == cli_json(sample, "state", *options)
        models.State.model_validate(got)

    @pytest.mark.parametrize(("partner", "product", "day", "imposer"), [
        ("JP", "870323", "2025-06-01", "US"), ("JP", "9503", "2025-04-09", "US"),
        ("JP", "87032301", "2025-09-20", None), ("CN", "1006", "2025-06-01", None)])
    def test_rate(self, sample: Served, partner: str, product: str, day: str, imposer: str | None) -> None:
        params = {"as_of": day, **({"imposer": imposer} if imposer else {})}
        got = api(sample, f"/api/rate/{partner}/{product}", **params)
        assert got == cli_json(sample, "rate", partner, product, "--as-of", day,
                               *(["--imposer", imposer] if imposer else []))
        models.Rate.model_validate(got)

    def test_rate_known_at_an_early_time_is_the_cli_answer(self, sample: Served) -> None:
        got = api(sample, "/api/rate/JP/870323", as_of="2025-06-01", known_at="2000-01-01")
        assert got == cli_json(sample, "rate", "JP", "870323", "--as-of", "2025-06-01", "--known-at", "2000-01-01")
        assert got["rate"] == 0

    def test_diff(self, sample: Served) -> None:
        got = api(sample, "/api/diff", **{"from": "2025-04-01", "to": "2025-08-01", "partner": "JP"})
        assert got == cli_json(sample, "diff", "--from", "2025-04-01", "--to", "2025-08-01", "--partner", "JP")
        models.Diff.model_validate(got)

    def test_history_pages_join_up_to_the_cli_history(self, sample: Served) -> None:
        whole = cli_json(sample, "history")
        pages, after = [], None
        while True:
            page = api(sample, "/api/history", limit="25", **({"after": after} if after else {}))
            models.HistoryPage.model_validate(page)
            pages.append(page["events"])
            after = page["next"]
            if after is None:
                break
        assert [len(p) for p in pages] == [25, 25, 9]
        assert [e for p in pages for e in p] == whole

    def test_history_of_one_measure(self, sample: Served) -> None:
        got = api(sample, "/api/history", measure="us-reciprocal-jp")
        assert got == {"events": cli_json(sample, "history", "--measure", "us-reciprocal-jp"), "next": None}

    def test_export_streams_the_cli_export(self, sample: Served) -> None:
        answer = sample.client.get("/api/export")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/x-ndjson")
        assert answer.text == sample.cli("export").stdout

    def test_health_is_the_digest(self, sample: Served) -> None:
        got = api(sample, "/api/health")
        digest = cli_json(sample, "digest")
        assert got == {"ok": True, "events": digest["events"], "head": digest["digest"]}
        models.Health.model_validate(got)


class TestErrors:
    def test_bad_date_is_400_naming_the_field_with_the_cli_message(self, sample: Served) -> None:
        answer = sample.client.get("/api/state", params={"as_of": "2025-13-01"})
        assert answer.status_code == 400
        run = sample.cli("state", "--as-of", "2025-13-01")
        assert run.exit_code == 2
        assert f"error: {answer.json()['error']['message']}" in run.stderr
        assert answer.json()["error"]["field"] == "as_of"
        models.Error.model_validate(answer.json())

    def test_unknown_country_is_400(self, sample: Served) -> None:
        answer = sample.client.get("/api/rate/XX/870323", params={"as_of": "2025-06-01"})
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "partner"

    def test_a_lower_case_code_is_refused_as_the_cli_refuses_it(self, sample: Served) -> None:
        answer = sample.client.get("/api/state", params={"as_of": "2025-06-01", "partner": "jp"})
        assert answer.status_code == 400
        run = sample.cli("state", "--as-of", "2025-06-01", "--partner", "jp")
        assert run.exit_code == 2 and f"error: {answer.json()['error']['message']}" in run.stderr

    def test_missing_parameter_is_400_in_the_error_shape(self, sample: Served) -> None:
        answer = sample.client.get("/api/state")
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "as_of"

    def test_unknown_measure_is_404(self, sample: Served) -> None:
        answer = sample.client.get("/api/history", params={"measure": "no-such-measure"})
        assert answer.status_code == 404
        assert "no-such-measure" in answer.json()["error"]["message"]

    def test_a_bad_cursor_is_400(self, sample: Served) -> None:
        assert sample.client.get("/api/history", params={"after": "x"}).status_code == 400

    def test_a_cursor_past_the_end_is_an_empty_last_page(self, sample: Served) -> None:
        # Past any integer the databases hold: the page query must not pass it to the driver as it is.
        for after in ("100000", "9" * 30):
            assert api(sample, "/api/history", after=after) == {"events": [], "next": None}
        assert api(sample, "/api/history", measure="us-reciprocal-jp", after="9" * 30) == {"events": [], "next": None}

    def test_no_cors_headers_unless_configured(self, sample: Served) -> None:
        answer = sample.client.get("/api/health", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in answer.headers


class TestOpenApi:
    def test_every_endpoint_of_the_spec_is_documented_with_its_model(self, sample: Served) -> None:
        doc = sample.client.get("/openapi.json").json()
        paths = doc["paths"]
        expected = {"/api/state": ("get", "State"), "/api/rate/{partner}/{product}": ("get", "Rate"),
                    "/api/diff": ("get", "Diff"), "/api/history": ("get", "HistoryPage"),
                    "/api/health": ("get", "Health"), "/api/events": ("post", "Appended")}
        for path, (method, model) in expected.items():
            schema = paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{model}"}, path
        assert "/api/export" in paths
        assert set(doc["components"]["schemas"]["Rate"]["required"]) >= {
            "imposer", "partner", "product", "as_of", "rate", "components", "excluded", "warnings"}
        json.dumps(doc)  # serialisable as a whole
