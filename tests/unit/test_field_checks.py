"""The field checks every stored event goes through (``events.limits``, ``events.common``) keep their
answers on their fast paths: a date text read once is remembered, a printable string skips the search.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from events import limits
from events.common import Name
from events.limits import iso_date

_DATE_LIKE = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.from_regex(r"[0-9０-９]{4}-[0-9]{1,2}-[0-9]{1,3}", fullmatch=True),
    st.text(max_size=12),
)


def _answer(value: object) -> object:
    try:
        return iso_date(value)
    except ValueError as exc:
        return str(exc)


@given(st.lists(_DATE_LIKE, max_size=20))
def test_a_date_text_reads_the_same_the_first_time_and_every_time_after(texts: list[str]) -> None:
    # The uncached reading is the reference: a remembered text must not change an answer or an error.
    for text in texts + texts:
        try:
            expected: object = limits._iso_text(text)
        except ValueError as exc:
            expected = str(exc)
        assert _answer(text) == expected


def test_a_refused_date_is_refused_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="is not a real date"):
            iso_date("2025-02-30")
        with pytest.raises(ValueError, match="after 9999-12-30"):
            iso_date("9999-12-31")
    assert "2025-02-30" not in limits._READ


def test_only_plain_strings_are_remembered_and_never_more_than_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    class Text(str):
        pass

    monkeypatch.setattr(limits, "_READ", {})
    monkeypatch.setattr(limits, "_READ_MAX", 3)
    for day in range(1, 9):
        assert iso_date(f"2025-01-0{day}") == dt.date(2025, 1, day)
    assert len(limits._READ) == 3
    assert iso_date(Text("2025-03-01")) == dt.date(2025, 3, 1)
    assert "2025-03-01" not in limits._READ
    with pytest.raises(ValueError, match="not a timestamp"):
        iso_date(dt.datetime(2025, 1, 1))


@pytest.mark.parametrize("text", ["a\x00b", "tab\x1f", "del\x7f", "ver\x0btical"])
def test_a_control_character_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="contains a control character"):
        TypeAdapter(Name).validate_python(text)


@pytest.mark.parametrize("text", ["Kyodo News", "line\nbreak", "tab\there", "zero\u200bwidth", "Ｔｏｋｙｏ"])
def test_text_that_is_not_printable_but_has_no_control_character_passes(text: str) -> None:
    # str.isprintable() is False for the middle three: the fast path must fall back to the search, not refuse.
    assert TypeAdapter(Name).validate_python(text) == text
