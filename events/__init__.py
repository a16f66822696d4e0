"""The event vocabulary of the ledger (SPEC §3): frozen pydantic models, no I/O.

One module per family (``measure``, ``talks``, ``summit``, ``correction``);
:mod:`events.registry` derives the ``type`` → model table from them and
:mod:`events.parse` turns JSON objects into models with errors that name the field.
"""

from events.common import ALL, Envelope, Source
from events.registry import EVENT_TYPES, OPENERS, event_class

Event = Envelope

__all__ = ["ALL", "EVENT_TYPES", "OPENERS", "Envelope", "Event", "Source", "event_class"]
