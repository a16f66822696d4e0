"""Folding events into state. Pure modules (no I/O): ``recorded``, ``measures``, ``rates``,
``negotiations``, ``state``, ``shapes``, ``diff``. The SQLAlchemy read models live in
``projections.readmodel`` and are the only part that touches a database."""
