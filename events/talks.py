"""Negotiations between governments, one ``track`` each.

Example line::

    {"type": "talks.round_held", "date": "2025-05-01", "track": "us-jp-tariffs", "round": 2,
     "venue": "Washington", "participants": ["Ryosei Akazawa", "Scott Bessent"], "source": "Yomiuri"}
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from events.common import Country, Envelope, IsoDate, Name, Names, Slug, Text, Texts
from events.limits import whole_number

# A JSON integer: "6" and 6.0 are refused with the same kind of message as a quoted rate.
Round = Annotated[int, BeforeValidator(whole_number), Field(ge=1, le=10_000, strict=True)]


class TalksEvent(Envelope):
    subject = "track"

    track: Slug


class TalksOpened(TalksEvent):
    """A negotiation starts between two or more parties."""

    opens = True
    type: Literal["talks.opened"]
    parties: Annotated[list[Country], Field(min_length=2, max_length=300)]
    title: Text | None = None
    leads: dict[Country, Names] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TalksOpened:
        if len(set(self.parties)) != len(self.parties):
            raise ValueError("parties: contains duplicates")
        strangers = set(self.leads or ()) - set(self.parties)
        if strangers:
            raise ValueError(f"leads: {', '.join(sorted(strangers))} is not among the parties")
        return self


class RoundScheduled(TalksEvent):
    """A round is planned for ``starts_on``."""

    type: Literal["talks.round_scheduled"]
    round: Round
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    venue: Name | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> RoundScheduled:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on: must not be before starts_on")
        return self


class RoundHeld(TalksEvent):
    """A round took place on ``date``."""

    type: Literal["talks.round_held"]
    round: Round
    venue: Name | None = None
    participants: Names | None = None
    outcome: Text | None = None


class ProposalSubmitted(TalksEvent):
    """A party puts a proposal on the table."""

    type: Literal["talks.proposal_submitted"]
    proposal: Slug
    by: Country
    items: Texts
    summary: Text | None = None


class ProposalAnswered(TalksEvent):
    """A party answers a proposal; its latest answer is the proposal's status."""

    type: Literal["talks.proposal_answered"]
    proposal: Slug
    by: Country
    response: Literal["accepted", "rejected", "countered", "noted"]


class Statement(TalksEvent):
    """Someone speaks for a party about the talks."""

    type: Literal["talks.statement"]
    speaker: Name
    party: Country
    text: Text


class AgreementReached(TalksEvent):
    """The parties reach an agreement; ``measures`` names the tariff measures it affects."""

    type: Literal["talks.agreement_reached"]
    title: Text
    terms: Texts
    measures: list[Slug] | None = None


class TalksConcluded(TalksEvent):
    """The negotiation ends."""

    type: Literal["talks.concluded"]
    outcome: Text
