"""The library's events table without ``sqlalchemy_utils``: the one column type it needs, imported alone.

``eventsourcing_sqlalchemy.models`` types ``originator_id`` with ``sqlalchemy_utils``' ``UUIDType``.
Importing that one class runs ``sqlalchemy_utils/__init__.py``, which loads every SQLAlchemy
dialect (PostgreSQL, MySQL, MSSQL, Oracle, SQLite) and a dozen optional modules: measured with
``python -X importtime``, ~60–100 ms of a cold ``ledger append``, for a column that stores 16 bytes
on SQLite and a native ``uuid`` on PostgreSQL. :func:`import_recorder_models` imports the library's
models with :class:`UUIDType` below in that module's place — the same class body, so the same
column DDL and the same bound values::

    UUIDType().process_bind_param(LEDGER_STREAM, sqlite_dialect)  -> b"ledger\\x00..."  (16 bytes)
    UUIDType().process_bind_param(LEDGER_STREAM, pg_dialect)      -> "6c656467-6572-4000-8000-000000000001"

The stand-in modules are in ``sys.modules`` only while the library's models are imported: a later
``import sqlalchemy_utils`` (by a notebook, say) gets the real package. If ``sqlalchemy_utils`` is
already loaded, the library imports it as usual.
"""

from __future__ import annotations

import sys
import uuid
from types import ModuleType
from typing import Any

from sqlalchemy import types, util

#: The module whose ``UUIDType`` the library imports, and its parent packages.
REPLACED = ("sqlalchemy_utils", "sqlalchemy_utils.types", "sqlalchemy_utils.types.uuid")


class UUIDType(types.TypeDecorator):  # type: ignore[type-arg]
    """``sqlalchemy_utils.types.uuid.UUIDType`` (0.43) as the ledger uses it: native on PostgreSQL, else BINARY(16)."""

    impl = types.BINARY(16)
    python_type = uuid.UUID
    cache_ok = True

    def __init__(self, binary: bool = True, native: bool = True):
        self.binary = binary
        self.native = native

    def __repr__(self) -> str:
        return str(util.generic_repr(self))

    def load_dialect_impl(self, dialect: Any) -> Any:
        if self.native and dialect.name in ("postgresql", "cockroachdb"):
            from sqlalchemy.dialects import postgresql

            return dialect.type_descriptor(postgresql.UUID())
        if dialect.name == "mssql" and self.native:
            from sqlalchemy.dialects import mssql

            return dialect.type_descriptor(mssql.UNIQUEIDENTIFIER())
        return dialect.type_descriptor(self.impl if self.binary else types.CHAR(32))

    @staticmethod
    def _coerce(value: Any) -> Any:
        if value and not isinstance(value, uuid.UUID):
            try:
                value = uuid.UUID(value)
            except (TypeError, ValueError):
                value = uuid.UUID(bytes=value)
        return value

    def process_literal_param(self, value: Any, dialect: Any) -> Any:
        return value

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return value
        if not isinstance(value, uuid.UUID):
            value = self._coerce(value)
        if self.native and dialect.name in ("postgresql", "mssql", "cockroachdb"):
            return str(value)
        return value.bytes if self.binary else value.hex

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return value
        if self.native and dialect.name in ("postgresql", "mssql", "cockroachdb"):
            return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        return uuid.UUID(bytes=value) if self.binary else uuid.UUID(value)


def import_recorder_models() -> None:
    """Import ``eventsourcing_sqlalchemy.models`` with :class:`UUIDType` standing in for ``sqlalchemy_utils``'."""
    if "eventsourcing_sqlalchemy.models" in sys.modules or REPLACED[0] in sys.modules:
        return
    stand_ins: dict[str, ModuleType] = {}
    for name in REPLACED:
        module = ModuleType(name)
        module.__path__ = []  # a package, so the submodule import resolves from sys.modules
        stand_ins[name] = module
    stand_ins[REPLACED[-1]].UUIDType = UUIDType  # type: ignore[attr-defined]
    sys.modules.update(stand_ins)
    try:
        import eventsourcing_sqlalchemy.models  # noqa: F401
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
