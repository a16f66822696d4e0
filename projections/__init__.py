"""Folding events into state, and the answers built from it.

Pure modules (no I/O): ``recorded`` (corrections applied, cut at a record time),
``measures`` (a measure's timeline and status), ``rates`` (the stacking rule and
partner coverage), ``negotiations`` (a track's status), ``parties`` (which talks
are between two countries), ``state`` (the whole ledger by replay), ``series``
(a rate over a date range), ``diff``, ``audit`` (the history), ``timeline``,
``views`` and ``shapes`` (measure views and their JSON) and ``results`` (the
typed answers). The SQLAlchemy read models live in ``projections.readmodel`` and
are the only part that touches a database.
"""
