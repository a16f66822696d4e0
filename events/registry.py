"""The event vocabulary as data: ``type`` string → model class, derived from the models.

Nothing here lists event types by hand. Every concrete model declares its
``type`` as a ``Literal``; the registry collects the subclasses of
:class:`~events.common.Envelope` that do, so adding a model adds a type to the
JSON reader, the CLI and the docs at once::

    >>> EVENT_TYPES["measure.revoked"].__name__
    'MeasureRevoked'
"""

from __future__ import annotations

import typing

from events import correction, measure, schedule, summit, talks  # noqa: F401  (registers the families)
from events.common import Envelope, types_of

FAMILIES = (measure, talks, summit, schedule, correction)


def _type_name(cls: type[Envelope]) -> str:
    (name,) = typing.get_args(cls.model_fields["type"].annotation)
    return str(name)


# Family order, then definition order: the order of the docs and of `ledger append --help`.
EVENT_TYPES: dict[str, type[Envelope]] = {t: c for module in FAMILIES for t, c in types_of(module).items()}

# Which event types introduce a subject that later events refer to.
OPENERS: dict[str, str] = {c.subject: t for t, c in EVENT_TYPES.items() if c.opens}

# The event types that correct or retract another event (their subject is the event they target).
CORRECTION_TYPES: frozenset[str] = frozenset(t for t, c in EVENT_TYPES.items() if c.subject == "target")


def type_name(cls: type[Envelope]) -> str:
    return _type_name(cls)
