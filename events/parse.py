"""JSON → event model, with errors that name the line and the field.

    >>> parse_event({"type": "measure.revoked", "date": "2025-13-01", "measure": "x", "source": "s"}, line=3)
    Traceback (most recent call last):
    events.errors.BadInput: line 3: date: '2025-13-01' is not a real date

A line of a file is validated straight from its JSON text by one validator over every event
type, chosen by ``type`` (:func:`parse_json`): one pass in pydantic-core, no intermediate dict.
A line it refuses is decoded and given to :func:`parse_event`, whose messages are the
contract, so a bad line reads the same whichever way it came::

    >>> parse_json(b'{"type": "measure.revoked", "date": "2025-07-01", "measure": "x", "source": "s"}').payload()
    {'type': 'measure.revoked', 'date': '2025-07-01', 'source': {'title': 's'}, 'measure': 'x'}
    >>> parse_json(b'{"type": "measure.revoked", "date": "2025-13-01", "measure": "x", "source": "s"}') is None
    True
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    from pydantic import TypeAdapter

from events.common import Envelope
from events.errors import BadInput, InputError
from events.registry import EVENT_TYPES


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "event"


def _message(error: Any) -> str:
    msg = str(error["msg"])
    # pydantic prefixes messages of custom validators with "Value error, ".
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    if error["type"] == "extra_forbidden":
        msg = "is not a field of this event type"
    elif error["type"] == "missing":
        msg = "is required but missing"
    return msg


def validation_errors(exc: ValidationError, line: int | None) -> list[InputError]:
    out = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        msg = _message(error)
        # A model-level check says which field it is about as "field: message".
        if not loc and ": " in msg and msg.split(": ", 1)[0].isidentifier():
            field, msg = msg.split(": ", 1)
            loc = (field,)
        out.append(InputError(line, _field(loc), msg))
    return out


def parse_event(obj: Any, line: int | None = None) -> Envelope:
    """Validate one decoded JSON value as an event; raise :class:`BadInput` listing every problem."""
    if not isinstance(obj, dict):
        raise BadInput([InputError(line, None, "expected a JSON object")])
    type_ = obj.get("type")
    if type_ is None:
        raise BadInput([InputError(line, "type", "missing")])
    cls = EVENT_TYPES.get(type_) if isinstance(type_, str) else None
    if cls is None:
        raise BadInput([InputError(line, "type", f"unknown event type {type_!r}; see `ledger append --help`")])
    try:
        return cls.model_validate(obj)
    except ValidationError as exc:
        raise BadInput(validation_errors(exc, line)) from None


@cache
def event_adapter() -> TypeAdapter[Envelope]:
    """One validator over the discriminated union of every event type (built on first use)."""
    from typing import Annotated, Union

    from pydantic import Field, TypeAdapter

    union = Union[tuple(EVENT_TYPES.values())]  # type: ignore[valid-type]  # noqa: UP007  (a runtime tuple)
    return TypeAdapter(Annotated[union, Field(discriminator="type")])  # type: ignore[arg-type]


def parse_json(raw: bytes | str) -> Envelope | None:
    """The event a line of JSON text holds, or None when it holds none (:func:`parse_event` says why)."""
    try:
        return event_adapter().validate_json(raw)
    except ValidationError:
        return None
