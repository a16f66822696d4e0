"""`ledger rate PARTNER PRODUCT…` and `--products-file`: many questions in one start-up (docs/spec.md §5.2).

Each answer is exactly the one-product answer: the JSON list holds the same rate objects, the CSV
the same rows led by the product, the table one block per product, in the order asked.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.scenario import seed_scenario

AS_OF = ("--as-of", "2025-06-01", "--imposer", "US")


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    run = cli.append_lines(seed_scenario())
    assert run.exit_code == 0, run.stderr
    return cli


def one(cli: Cli, product: str, fmt: str = "json") -> str:
    run = cli("rate", "JP", product, *AS_OF, "--format", fmt)
    assert run.exit_code == 0, run.stderr
    return run.stdout


def test_several_products_answer_a_json_list_of_the_single_answers_in_order(seeded: Cli) -> None:
    run = seeded("rate", "JP", "870323", "8708", "870323", *AS_OF, "--format", "json")
    assert run.exit_code == 0, run.stderr
    singles = [json.loads(one(seeded, p)) for p in ("870323", "8708", "870323")]
    assert run.json() == singles


def test_one_product_still_answers_one_rate_object(seeded: Cli) -> None:
    run = seeded("rate", "JP", "870323", *AS_OF, "--format", "json")
    assert isinstance(run.json(), dict) and run.json()["product"] == "870323"


def test_products_file_skips_blank_lines_and_comments_and_answers_a_list(seeded: Cli, tmp_path: Path) -> None:
    path = tmp_path / "products.txt"
    path.write_text("# cars and parts\n870323\n\n  8708   # parts\n")
    run = seeded("rate", "JP", "--products-file", str(path), *AS_OF, "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert [r["product"] for r in run.json()] == ["870323", "8708"]


def test_products_file_dash_reads_standard_input_after_the_arguments(seeded: Cli) -> None:
    run = seeded("rate", "JP", "8708", "--products-file", "-", *AS_OF, "--format", "json", input="870323\n")
    assert run.exit_code == 0, run.stderr
    assert [r["product"] for r in run.json()] == ["8708", "870323"]


def test_csv_rows_are_the_single_rows_led_by_the_product(seeded: Cli) -> None:
    run = seeded("rate", "JP", "870323", "8708", *AS_OF, "--format", "csv")
    assert run.exit_code == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    for product in ("870323", "8708"):
        single = list(csv.DictReader(io.StringIO(one(seeded, product, "csv"))))
        assert [{k: v for k, v in r.items() if k != "product"} for r in rows if r["product"] == product] == single
    assert rows[0]["product"] == "870323" and rows[-1] == {**rows[-1], "product": "8708", "status": "total"}


def test_table_has_one_block_per_product(seeded: Cli) -> None:
    run = seeded("rate", "JP", "870323", "8708", *AS_OF)
    assert run.exit_code == 0, run.stderr
    assert run.stdout == one(seeded, "870323", "table") + "\n" + one(seeded, "8708", "table")


def test_a_bad_product_is_refused_naming_it(seeded: Cli) -> None:
    run = seeded("rate", "JP", "870323", "87x", *AS_OF)
    assert run.exit_code == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [run.stderr.strip()] and "product" in run.stderr and "'87x'" in run.stderr


def test_a_bad_line_of_the_products_file_is_refused_naming_the_line(seeded: Cli, tmp_path: Path) -> None:
    path = tmp_path / "products.txt"
    path.write_text("870323\n# fine\n8x08\n")
    run = seeded("rate", "JP", "--products-file", str(path), *AS_OF)
    assert run.exit_code == 2 and run.stdout == ""
    assert run.stderr.startswith("error: line 3: product: '8x08'"), run.stderr


def test_no_product_at_all_is_bad_input(seeded: Cli, tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("# nothing yet\n\n")
    run = seeded("rate", "JP", "--products-file", str(path), *AS_OF)
    assert run.exit_code == 2 and "give at least one PRODUCT" in run.stderr


def test_a_missing_products_file_is_bad_input(seeded: Cli, tmp_path: Path) -> None:
    run = seeded("rate", "JP", "--products-file", str(tmp_path / "nope.txt"), *AS_OF)
    assert run.exit_code == 2 and "products_file" in run.stderr and "Traceback" not in run.stderr
