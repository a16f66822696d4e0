"""One synthetic world: the state machine that makes a realistic stream of ledger events.

It keeps a capped pool of active subjects (measures, tracks, summits) and a capped window of
event ids that a correction may aim at, and advances one of them per event, so memory stays
bounded however long the stream. Each subject's events are valid in order: a measure is
announced before it is amended, a round is scheduled before it is held, a proposal is submitted
before it is answered, a summit names only tracks already opened, a correction names an earlier
event by ``id``. :mod:`benchmarks.generate` merges worlds into the ledgers the benchmarks use.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any

from benchmarks import vocabulary as V

Event = dict[str, Any]
CAPS = {"measures": 3000, "tracks": 300, "summits": 150, "correctable": 5000}
FORBIDDEN_PAIR = frozenset({"US", "JP"})  # no generated talks between these two (see benchmarks.generate)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Measure:
    __slots__ = ("slug", "imposer", "basis", "effective", "status", "until", "events")

    def __init__(self, slug: str, imposer: str, basis: str, effective: int | None):
        self.slug, self.imposer, self.basis, self.effective = slug, imposer, basis, effective
        self.status, self.events = "announced", 1
        self.until: int | None = None  # ordinal day a suspension lapses


class Track:
    __slots__ = ("slug", "parties", "next_round", "scheduled", "held", "open", "proposals", "agreed", "events")

    def __init__(self, slug: str, parties: list[str]):
        self.slug, self.parties = slug, parties
        self.next_round, self.held = 1, 0
        self.scheduled: tuple[int, int] | None = None  # (round, starts_on ordinal)
        self.open: list[tuple[str, str]] = []  # (proposal slug, proposer)
        self.proposals, self.agreed, self.events = 0, False, 1


class World:
    """One synthetic world: ``count`` events dated evenly from ``start`` to ``end``, in date order.

    ``tag`` goes into every slug so two worlds merged into one ledger never
    collide; ``allow_us`` lets the US impose measures (never on Japan or on all
    partners, so the US–Japan answers stay those of the sample).
    """

    def __init__(self, seed: int, count: int, start: dt.date, end: dt.date, tag: str, allow_us: bool = False):
        self.rng = random.Random(f"{seed}:{tag}")
        self.count, self.tag, self.allow_us = count, tag, allow_us
        self.start, self.span = start.toordinal(), max(1, end.toordinal() - start.toordinal())
        self.today = self.start
        self.serial = 0
        self.measures: list[Measure] = []
        self.tracks: list[Track] = []
        self.summits: list[tuple[str, int, list[str]]] = []  # (slug, starts_on, tracks)
        self.tariffs: list[str] = []  # tariff schedules published (slugs)
        self.correctable: deque[tuple[str, str]] = deque(maxlen=CAPS["correctable"])
        self.imposers = V.IMPOSERS + (("US",) if allow_us else ())
        self.weights = V.IMPOSER_WEIGHTS + ((40,) if allow_us else ())
        self.negotiators = tuple(sorted(set(self.imposers) | {"US", "RU", "TW"}))

    # -- plumbing -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Event]:
        for i in range(self.count):
            self.today = self.start + i * self.span // self.count
            r = self.rng.random()
            event = None
            if r < 0.006 and self.correctable:
                event = self._correction()
            elif r < 0.008:
                event = self._tariff()
            elif r < 0.04:
                event = self._summit()
            elif r < 0.40:
                event = self._talks()
            yield event or self._measure()

    def _name(self) -> str:
        self.serial += 1
        return f"{self.tag}{self.serial}"

    def _day(self, offset: int = 0) -> str:
        return dt.date.fromordinal(self.today + offset).isoformat()

    def _event(self, type_: str, **fields: Any) -> Event:
        rng = self.rng
        event: Event = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "type": type_,
                        "date": self._day()}
        event.update(fields)
        source: dict[str, str] = {"publisher": rng.choice(V.PUBLISHERS),
                                  "title": f"{rng.choice(V.HEADLINES)} {rng.choice(V.GOODS)}".capitalize(),
                                  "published_on": event["date"]}
        if rng.random() < 0.3:
            source["url"] = f"https://news.example.org/{event['date'][:4]}/{self.serial}"
        event["source"] = source
        event["recorded_by"] = rng.choice(V.AUTHORS)
        if rng.random() < 0.05:
            event["note"] = "Synthetic event generated for the benchmarks."
        return event

    def _person(self) -> str:
        rng = self.rng
        return f"{rng.choice(V.TITLES)} {rng.choice(V.INITIALS)}. {rng.choice(V.SURNAMES)}"

    def _goods(self) -> str:
        return self.rng.choice(V.GOODS)

    # -- tariff measures ------------------------------------------------------------------

    def _hs(self) -> str:
        rng = self.rng
        heading = rng.choice(V.HEADINGS)
        length = rng.choice((2, 4, 4, 4, 6, 6, 6, 8, 10))
        code = heading[:2] if length == 2 else heading
        while len(code) < length:
            code += f"{rng.randint(10, 99)}"
        return code

    def _products(self, most: int = 4) -> list[str]:
        products: list[str] = []
        for _ in range(self.rng.choice((1, 1, 1, 2, 2, 3, most))):
            code = self._hs()
            if code not in products:
                products.append(code)
        return products

    def _partners(self, imposer: str) -> list[str]:
        rng = self.rng
        if imposer != "US" and rng.random() < 0.35:
            return ["*"]
        banned = {imposer, "JP"} if imposer == "US" else {imposer}
        picks = rng.sample(V.PARTNERS, rng.choice((1, 1, 2, 3, 4, 6)))
        return [p for p in picks if p not in banned] or [rng.choice(("CN", "MX", "CA", "BR"))]

    def _exceptions(self, imposer: str) -> list[str]:
        return [p for p in self.rng.sample(V.PARTNERS, self.rng.randint(1, 3)) if p != imposer]

    def _announce(self) -> Event:
        rng = self.rng
        imposer = rng.choices(self.imposers, self.weights)[0]
        fields: dict[str, Any] = {}
        if rng.random() < 0.22 and imposer != "US":
            basis, products = V.MFN, self._products(3)
            fields.update(imposer=imposer, partners=["*"], products=products, rate=rng.choice(V.MFN_RATES),
                          basis=basis, effective_on=self._day())
            if rng.random() < 0.4:
                fields["except_partners"] = self._exceptions(imposer)
            fields["title"] = f"{imposer} MFN duty on {self._goods()}"
        else:
            basis = rng.choice(V.US_BASES if imposer == "US" else V.TRADE_REMEDIES)
            products = ["*"] if rng.random() < 0.07 else self._products()
            effective = None if rng.random() < 0.15 else self._day(rng.randint(0, 60))
            fields.update(imposer=imposer, partners=self._partners(imposer), products=products,
                          rate=rng.choice(V.RATES), basis=basis, effective_on=effective)
            if fields["partners"] == ["*"] and rng.random() < 0.3:
                fields["except_partners"] = self._exceptions(imposer)
            if products != ["*"] and rng.random() < 0.1 and len(products[0]) <= 8:
                fields["except_products"] = [products[0] + f"{rng.randint(10, 99)}"]
            if rng.random() < 0.12:
                fields["not_with"] = [rng.choice([b for b in V.TRADE_REMEDIES + V.US_BASES if b != basis])]
            if rng.random() < 0.10:
                fields["inclusive_of"] = [V.MFN]
            if rng.random() < 0.5:
                fields["title"] = f"{basis} duty on {self._goods()} from {', '.join(fields['partners'][:3])}"
        if fields["effective_on"] is None:
            del fields["effective_on"]
        lead = "all" if products == ["*"] else products[0]
        slug = f"{imposer.lower()}-{_slug(basis)}-{lead}-{self._name()}"
        eff = fields.get("effective_on")
        self.measures.append(Measure(slug, imposer, basis, dt.date.fromisoformat(eff).toordinal() if eff else None))
        event = self._event("measure.announced", measure=slug, **fields)
        self.correctable.append((event["id"], "measure.announced"))
        return event

    def _measure(self) -> Event:
        rng = self.rng
        if not self.measures or (len(self.measures) < CAPS["measures"] and rng.random() < 0.22):
            return self._announce()
        index = rng.randrange(len(self.measures))
        m = self.measures[index]
        today = self.today
        if m.status == "suspended" and m.until is not None and m.until <= today:
            m.status = "in_force"
        if m.status == "announced" and m.effective is not None and m.effective <= today:
            m.status = "in_force"
        m.events += 1
        if m.status == "announced":
            change = "rescheduled" if rng.random() < 0.6 else "amended"
        elif m.status == "in_force":
            change = rng.choices(("amended", "suspended", "revoked"), (60, 30, 10))[0]
        else:
            change = rng.choices(("resumed", "amended", "revoked"), (55, 30, 15))[0]
        if change == "revoked" or m.events >= 12:
            self._retire(index)
        offset = -rng.randint(1, 30) if rng.random() < 0.05 else rng.randint(0, 30)
        if change == "rescheduled":
            m.effective = today + rng.randint(7, 120)
            return self._event("measure.rescheduled", measure=m.slug, effective_on=self._day(m.effective - today))
        if change == "amended":
            event = self._event("measure.amended", measure=m.slug, effective_on=self._day(offset), **self._amendment(m))
            if "rate" in event:
                self.correctable.append((event["id"], "measure.amended"))
            return event
        if change == "suspended":
            m.status = "suspended"
            start = rng.randint(0, 7)
            fields: dict[str, Any] = {"effective_on": self._day(start)}
            if rng.random() < 0.6:
                until = today + start + rng.randint(30, 180)
                m.until = until
                fields["until"] = self._day(until - today)
            else:
                m.until = None
            return self._event("measure.suspended", measure=m.slug, **fields)
        if change == "resumed":
            m.status = "in_force"
            return self._event("measure.resumed", measure=m.slug, effective_on=self._day(rng.randint(0, 14)))
        return self._event("measure.revoked", measure=m.slug, effective_on=self._day(max(offset, 0)))

    def _amendment(self, m: Measure) -> dict[str, Any]:
        rng = self.rng
        fields: dict[str, Any] = {}
        for _ in range(rng.choice((1, 1, 1, 2))):
            name = rng.choices(("rate", "partners", "except_partners", "products", "except_products", "not_with",
                                "inclusive_of"), (70, 10, 8, 8, 6, 4, 4))[0]
            if name == "rate":
                fields["rate"] = rng.choice(V.MFN_RATES if m.basis == V.MFN else V.RATES)
            elif name == "partners":
                fields["partners"] = ["*"] if m.basis == V.MFN else self._partners(m.imposer)
            elif name == "except_partners":
                fields["except_partners"] = [] if rng.random() < 0.3 else self._exceptions(m.imposer)
            elif name == "products":
                fields["products"] = self._products()
            elif name == "except_products":
                fields["except_products"] = [self._hs() + "1"] if rng.random() < 0.7 else []
            elif name == "not_with":
                fields["not_with"] = [] if rng.random() < 0.3 else [rng.choice(V.TRADE_REMEDIES)]
            else:
                fields["inclusive_of"] = [] if rng.random() < 0.3 else [V.MFN]
        if "except_products" in fields:  # an 11-digit code is not an HS prefix
            fields["except_products"] = [c[:10] for c in fields["except_products"]]
        return fields

    def _retire(self, index: int) -> None:
        last = self.measures.pop()
        if index < len(self.measures):
            self.measures[index] = last

    # -- negotiations and summits ---------------------------------------------------------

    def _open_track(self) -> Event:
        rng = self.rng
        while True:
            parties = rng.sample(self.negotiators, rng.choice((2, 2, 2, 2, 3, 4)))
            if not set(parties) >= FORBIDDEN_PAIR:
                break
        topic = rng.choice(("trade", "tariffs", "fta", "steel", "agriculture", "digital", "autos", "investment"))
        slug = f"{'-'.join(p.lower() for p in parties[:2])}-{topic}-{self._name()}"
        fields: dict[str, Any] = {"track": slug, "parties": parties,
                                  "title": f"{'–'.join(parties)} {topic} negotiations"}
        if rng.random() < 0.5:
            fields["leads"] = {p: [self._person()] for p in parties[: rng.randint(1, len(parties))]}
        self.tracks.append(Track(slug, parties))
        return self._event("talks.opened", **fields)

    def _talks(self) -> Event:
        rng = self.rng
        if not self.tracks or (len(self.tracks) < CAPS["tracks"] and rng.random() < 0.06):
            return self._open_track()
        index = rng.randrange(len(self.tracks))
        t = self.tracks[index]
        t.events += 1
        due = t.scheduled is not None and t.scheduled[1] <= self.today
        options = {
            "schedule": 3 if t.scheduled is None else 0,
            "hold": 6 if due else 0,
            "propose": 2 if len(t.open) < 5 else 0,
            "answer": 2 if t.open else 0,
            "statement": 3,
            "agree": 1 if t.held >= 2 and not t.agreed else 0,
            "conclude": 2 if t.agreed else (0.3 if t.events > 60 else 0),
        }
        action = rng.choices(list(options), list(options.values()))[0]
        slug, goods = t.slug, self._goods()
        extra: dict[str, Any]
        if action == "schedule":
            start = rng.randint(3, 40)
            t.scheduled = (t.next_round, self.today + start)
            extra = {"ends_on": self._day(start + rng.randint(0, 3))} if rng.random() < 0.5 else {}
            return self._event("talks.round_scheduled", track=slug, round=t.next_round, starts_on=self._day(start),
                               venue=rng.choice(V.CITIES), **extra)
        if action == "hold":
            assert t.scheduled is not None
            number = t.scheduled[0]
            t.scheduled, t.next_round, t.held = None, number + 1, t.held + 1
            extra = {"outcome": rng.choice(V.OUTCOMES)} if rng.random() < 0.5 else {}
            if rng.random() < 0.4:
                extra["participants"] = [self._person() for _ in range(rng.randint(1, 3))]
            event = self._event("talks.round_held", track=slug, round=number, venue=rng.choice(V.CITIES), **extra)
            self.correctable.append((event["id"], "talks.round_held"))
            return event
        if action == "propose":
            t.proposals += 1
            by = rng.choice(t.parties)
            proposal = f"p{t.proposals}-{by.lower()}"
            t.open.append((proposal, by))
            items = [rng.choice(V.ITEMS).format(g=self._goods()) for _ in range(rng.randint(1, 4))]
            return self._event("talks.proposal_submitted", track=slug, proposal=proposal, by=by, items=items)
        if action == "answer":
            k = rng.randrange(len(t.open))
            proposal, proposer = t.open[k]
            response = rng.choices(("accepted", "rejected", "countered", "noted"), (25, 20, 35, 20))[0]
            if response in ("accepted", "rejected"):
                t.open.pop(k)
            by = rng.choice([p for p in t.parties if p != proposer])
            return self._event("talks.proposal_answered", track=slug, proposal=proposal, by=by, response=response)
        if action == "agree":
            t.agreed = True
            extra = {}
            if self.measures and rng.random() < 0.4:
                extra["measures"] = [rng.choice(self.measures).slug]
            terms = [rng.choice(V.ITEMS).format(g=self._goods()) for _ in range(rng.randint(1, 4))]
            return self._event("talks.agreement_reached", track=slug, title=f"Agreement on {goods}", terms=terms,
                               **extra)
        if action == "conclude":
            last = self.tracks.pop()
            if index < len(self.tracks):
                self.tracks[index] = last
            return self._event("talks.concluded", track=slug, outcome=rng.choice(V.OUTCOMES))
        event = self._event("talks.statement", track=slug, speaker=self._person(), party=rng.choice(t.parties),
                            text=rng.choice(V.STATEMENT_TEXTS).format(g=goods))
        self.correctable.append((event["id"], "talks.statement"))
        return event

    def _summit(self) -> Event | None:
        rng = self.rng
        due = [i for i, s in enumerate(self.summits) if s[1] <= self.today]
        if due and rng.random() < 0.8:
            slug = self.summits.pop(rng.choice(due))[0]
            extra = {"outcome": rng.choice(V.OUTCOMES)} if rng.random() < 0.6 else {}
            return self._event("summit.held", summit=slug, **extra)
        if self.summits and rng.random() < 0.1:  # moved: a later schedule for the same slug
            k = rng.randrange(len(self.summits))
            slug, starts, tracks = self.summits[k]
            self.summits[k] = (slug, starts + rng.randint(7, 30), tracks)
            return self._schedule(slug, self.summits[k][1], tracks)
        if len(self.summits) >= CAPS["summits"]:
            return None
        host = rng.choice(V.CITIES)
        slug = f"{_slug(host)}-summit-{self._name()}"
        starts = self.today + rng.randint(7, 90)
        tracks = [t.slug for t in rng.sample(self.tracks, min(len(self.tracks), rng.randint(1, 2)))] \
            if self.tracks and rng.random() < 0.6 else []
        self.summits.append((slug, starts, tracks))
        return self._schedule(slug, starts, tracks)

    def _schedule(self, slug: str, starts: int, tracks: list[str]) -> Event:
        rng = self.rng
        offset = starts - self.today
        extra: dict[str, Any] = {"tracks": tracks} if tracks else {}
        if rng.random() < 0.5:
            extra["leaders"] = [self._person() for _ in range(rng.randint(2, 4))]
        return self._event("summit.scheduled", summit=slug, name=f"Leaders' meeting {slug.rsplit('-', 1)[-1]}",
                           starts_on=self._day(offset), ends_on=self._day(offset + rng.randint(0, 2)),
                           venue=rng.choice(V.CITIES), **extra)

    # -- corrections ----------------------------------------------------------------------

    def _tariff(self) -> Event:
        """A small tariff schedule published, or a revision of one (a few lines: big ones are benchmarked apart)."""
        rng = self.rng
        lines = [{"product": hs, "rate": rate, "text": f"{rate}%", "specific": False}
                 for hs, rate in {self._hs(): rng.choice((0, 2.5, 5, 10)) for _ in range(rng.randint(1, 5))}.items()]
        if self.tariffs and rng.random() < 0.6:
            return self._event("schedule.amended", schedule=rng.choice(self.tariffs), lines=lines)
        imposer = rng.choices(self.imposers, self.weights)[0]
        slug = f"{self._name()}-tariff"
        self.tariffs.append(slug)
        return self._event("schedule.published", schedule=slug, imposer=imposer, effective_on=self._day(), lines=lines)

    def _correction(self) -> Event:
        rng = self.rng
        k = rng.randrange(len(self.correctable))
        target, kind = self.correctable[k]
        reason = rng.choice(("misread the source", "the official text differs from the press report",
                             "recorded against the wrong event", "a later notice corrected the figure"))
        if kind == "ledger.corrected" or (kind in ("talks.statement", "talks.round_held") and rng.random() < 0.4):
            del self.correctable[k]
            return self._event("ledger.retracted", target=target, reason=reason)
        if kind == "talks.statement":
            fields: dict[str, Any] = {"text": rng.choice(V.STATEMENT_TEXTS).format(g=self._goods())}
        elif kind == "talks.round_held":
            fields = {"venue": rng.choice(V.CITIES)}
        else:
            fields = {"rate": rng.choice(V.RATES)}
        event = self._event("ledger.corrected", target=target, fields=fields, reason=reason)
        self.correctable.append((event["id"], "ledger.corrected"))
        return event
