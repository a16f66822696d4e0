"""docs/serve.md's API table is the OpenAPI document's list of endpoints, with the same answer models."""

from __future__ import annotations

import re

from tests.conftest import REPO
from tests.serve.conftest import Served


def doc_rows() -> dict[tuple[str, str], str]:
    text = (REPO / "docs" / "serve.md").read_text()
    section = text.split("## The API", 1)[1]
    rows = re.findall(r"^\| (GET|POST) \| `([^`]+)` \| (.+?) \|$", section, flags=re.M)
    return {(method.lower(), path): answer for method, path, answer in rows}


def test_the_api_table_lists_every_endpoint_with_its_model(sample: Served) -> None:
    paths = sample.client.get("/openapi.json").json()["paths"]
    documented = {(method, path) for path, methods in paths.items() if path.startswith("/api/")
                  for method in methods}
    rows = doc_rows()
    assert set(rows) == documented
    for (method, path), answer in rows.items():
        content = paths[path][method]["responses"]["200"]["content"]
        ref = content.get("application/json", {}).get("schema", {}).get("$ref")
        if ref is not None:
            assert answer.startswith(f"`{ref.rsplit('/', 1)[1]}`"), (path, answer)
        else:
            assert "JSON Lines" in answer, (path, answer)
