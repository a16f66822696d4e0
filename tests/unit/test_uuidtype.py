"""The events table's ``originator_id`` type without ``sqlalchemy_utils`` is that package's type, value for value."""

from __future__ import annotations

from uuid import UUID

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy_utils.types.uuid import UUIDType as Original

from ledger.uuidtype import UUIDType

STREAM = UUID("6c656467-6572-4000-8000-000000000001")


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_the_stand_in_stores_and_reads_what_sqlalchemy_utils_does(dialect: object) -> None:
    ours, theirs = UUIDType(), Original()
    assert ours.load_dialect_impl(dialect).compile(dialect) == theirs.load_dialect_impl(dialect).compile(dialect)
    for value in (STREAM, str(STREAM), None):
        stored = ours.process_bind_param(value, dialect)
        assert stored == theirs.process_bind_param(value, dialect)
        assert ours.process_result_value(stored, dialect) == theirs.process_result_value(stored, dialect)
