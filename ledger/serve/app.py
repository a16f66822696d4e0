"""The FastAPI application: the JSON API of docs/spec.md §7, the pages, tokens, limits and errors.

``create_app(Settings(db="demo.db"))`` builds it; ``ledger serve`` runs it under uvicorn. With
``--workers N`` uvicorn starts N processes that each build their own from the settings the
command passed down in ``$LEDGER_SERVE_SETTINGS`` (:func:`from_environment`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from events.errors import BadInput, InputError, LedgerError
from ledger.errors import NoLedger, StorageError
from ledger.serve import models
from ledger.serve.collector import paused
from ledger.service import Ledger, parse_day, parse_known_at, raise_input

SETTINGS_VARIABLE = "LEDGER_SERVE_SETTINGS"
MEBIBYTE = 1024 * 1024
#: The largest page of ``GET /api/history``.
HISTORY_LIMIT = 1000

Day = Annotated[str, Query(description="a valid date, YYYY-MM-DD", examples=["2025-06-01"])]
OptionalDay = Annotated[str | None, Query(description="a valid date, YYYY-MM-DD")]
KnownAt = Annotated[str | None, Query(description="use only what was recorded by then: a `recorded_at` "
                                                  "of the history, or a date (the end of that day, UTC)")]
Country = Annotated[str | None, Query(description="an ISO 3166-1 alpha-2 code, e.g. JP")]
Limit = Annotated[int, Query(ge=1, le=HISTORY_LIMIT, description="events per page")]
Cursor = Annotated[str | None, Query(description="the `next` of the previous page")]


@dataclass(frozen=True)
class Settings:
    """What ``ledger serve`` was told: the ledger, whether reads need a token, the body limit, CORS origins."""

    db: str | None = None
    private: bool = False
    max_body: int = 16 * MEBIBYTE
    cors_origins: tuple[str, ...] = ()
    #: Answers kept per process (0: none); see :class:`Answers`.
    cache: int = 4096

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data = json.loads(text)
        data["cors_origins"] = tuple(data.get("cors_origins") or ())
        return cls(**data)


class ApiError(Exception):
    """An answer other than 200: the status and the ``{"error": {…}}`` body of docs/spec.md §7."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, **extra}
        self.headers = headers


def error_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def bad_input_body(exc: BadInput) -> dict[str, Any]:
    """The first problem as ``message``/``line``/``field`` (the CLI's ``error:`` line), then all of them."""
    def detail(e: InputError) -> dict[str, Any]:
        return {"message": str(e), "line": e.line, "field": e.field}

    first = exc.errors[0] if exc.errors else InputError(None, None, "bad input")
    body = {**detail(first), "errors": [detail(e) for e in exc.errors]}
    if exc.nothing_written:
        body["nothing_written"] = True
    return body


def json_answer(data: Any) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


class Answers:
    """Recent JSON answers of this process, keyed by the question *and the ledger's log position*.

    A read's answer depends only on the log, and the position moves with every append — by this
    process or any other on the same database — so an answer kept under the position read at the
    start of the request can never be served after the log changed: the next request reads the new
    position and misses. The position is read on every request (one indexed row), so the server
    stays stateless in what it answers. Bounded: the oldest answers are dropped first.
    """

    def __init__(self, size: int):
        from collections import OrderedDict

        self.size = size
        self.kept: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def answer(self, ledger: Ledger, key: tuple[Any, ...], compute: Callable[[], Any]) -> Response:
        full = (ledger.position(), *key) if self.size > 0 else None
        body = None
        if full is not None:
            with self.lock:
                body = self.kept.get(full)
                if body is not None:
                    self.kept.move_to_end(full)
        if body is None:
            with paused():
                body = orjson.dumps(compute())
            if full is not None:
                with self.lock:
                    self.kept[full] = body
                    while len(self.kept) > self.size:
                        self.kept.popitem(last=False)
        return Response(body, media_type="application/json")

    async def respond(self, ledger: Ledger, key: tuple[Any, ...], compute: Callable[[], Any],
                      known_at: str | None) -> Response:
        """The answer, computed on the event loop unless it replays the log.

        An as-of read is a few indexed queries (~1 ms): handing it to a worker thread cost more
        CPU than the read itself (the thread hop, anyio's limiter, a second reader), so one
        worker process answers almost twice as many questions inline. A ``known_at`` question
        replays the log, which can take seconds on a big ledger, so it goes to a thread and the
        loop keeps answering the others.
        """
        if known_at is None:
            return self.answer(ledger, key, compute)
        return await run_in_threadpool(self.answer, ledger, key, compute)


def from_environment() -> FastAPI:
    """The app for a uvicorn worker process, from the settings ``ledger serve`` put in the environment."""
    raw = os.environ.get(SETTINGS_VARIABLE)
    app = create_app(Settings.from_json(raw) if raw else Settings())
    with contextlib.suppress(LedgerError):  # no ledger there yet: each request says so, as the CLI does
        app.state.ledger.prepare_writes()
    return app


def create_app(settings: Settings) -> FastAPI:
    from ledger.serve.pages import add_pages

    app = FastAPI(title="Negotiation ledger", version="1",
                  description="The ledger's answers over HTTP: the same JSON as `ledger … --format json` "
                  "(docs/spec.md §5.4, §7).", docs_url=None, redoc_url=None)  # their pages load scripts from a CDN
    ledger = Ledger(settings.db)
    app.state.ledger = ledger
    app.state.settings = settings
    writing = threading.Lock()  # one append at a time per process; the database orders processes
    answers = Answers(settings.cache)

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"])

    _add_error_handlers(app)

    def token_of(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        return ledger.token_holder(secret.strip())

    def need_token(request: Request) -> str:
        name = token_of(request)
        if name is None:
            raise ApiError(401, "a valid token is needed: `Authorization: Bearer SECRET` of a token from "
                           "`ledger token create NAME`", headers={"WWW-Authenticate": "Bearer"})
        return name

    async def reader(request: Request) -> None:
        # async, so FastAPI runs it on the loop instead of a worker thread (a token lookup is one indexed read)
        if settings.private:
            need_token(request)

    # Without --private, reads have no dependency to solve: FastAPI's per-request work is then smaller.
    read = [Depends(reader)] if settings.private else []

    @app.get("/api/state", dependencies=read, response_model=None, tags=["reads"],
             responses={200: {"model": models.State}, 400: {"model": models.Error}})
    async def state(as_of: Day, known_at: KnownAt = None, imposer: Country = None, partner: Country = None) -> Response:
        """The `state` JSON: measures and their status on `as_of`, and the negotiations (`ledger state`)."""
        return await answers.respond(ledger, ("state", as_of, known_at, imposer, partner), lambda: ledger.state(
            parse_day("as_of", as_of), parse_known_at(known_at), _country("imposer", imposer),
            _country("partner", partner)).to_json(), known_at)

    @app.get("/api/rate/{partner}/{product}", dependencies=read, response_model=None, tags=["reads"],
             responses={200: {"model": models.Rate}, 400: {"model": models.Error}})
    async def rate(partner: str, product: str, as_of: Day, imposer: Country = None,
                   known_at: KnownAt = None) -> Response:
        """The `rate` JSON: the stacked rate of a partner's product, and why (`ledger rate`)."""
        return await answers.respond(ledger, ("rate", partner, product, as_of, imposer, known_at), lambda: ledger.rate(
            _country("partner", partner) or "", _product(product), parse_day("as_of", as_of),
            _country("imposer", imposer), parse_known_at(known_at)).to_json(), known_at)

    @app.get("/api/diff", dependencies=read, response_model=None, tags=["reads"],
             responses={200: {"model": models.Diff}, 400: {"model": models.Error}})
    async def diff(start: Annotated[str, Query(alias="from", description="the earlier valid date")],
                   end: Annotated[str, Query(alias="to", description="the later valid date")],
                   known_at: KnownAt = None, imposer: Country = None, partner: Country = None) -> Response:
        """The `diff` JSON: what changed in the state between two dates (`ledger diff`)."""
        return await answers.respond(ledger, ("diff", start, end, known_at, imposer, partner), lambda: ledger.diff(
            parse_day("from", start), parse_day("to", end), parse_known_at(known_at), _country("imposer", imposer),
            _country("partner", partner)).to_json(), known_at)

    @app.get("/api/history", dependencies=read, response_model=None, tags=["reads"],
             responses={200: {"model": models.HistoryPage}, 400: {"model": models.Error},
                        404: {"model": models.Error}})
    def history(measure: str | None = None, track: str | None = None, summit: str | None = None,
                since: OptionalDay = None, until: OptionalDay = None,
                limit: Limit = 100, after: Cursor = None) -> Response:
        """The audit trail in record order, a page at a time (`ledger history`); `next` is the cursor."""
        return json_answer(history_page(ledger, measure, track, summit, since, until, limit, after))

    @app.get("/api/export", dependencies=read, tags=["reads"], response_class=StreamingResponse,
             responses={200: {"content": {"application/x-ndjson": {}},
                              "description": "every event as JSON Lines, in record order (`ledger export`)"}})
    def export() -> StreamingResponse:
        """Every event as JSON Lines in record order, streamed; `POST /api/events` (or `ledger append --file`)
        re-imports it."""
        ledger.digest()  # fail here (a missing ledger: 503) rather than halfway through the stream
        return StreamingResponse(ledger.export(), media_type="application/x-ndjson")

    @app.get("/api/health", dependencies=read, tags=["reads"], response_model=None,
             responses={200: {"model": models.Health}})
    def health() -> Response:
        """Whether the ledger answers, its event count and the head of its hash chain (`ledger digest`)."""
        head = ledger.digest()
        return json_answer({"ok": True, "events": head.events, "head": head.digest})

    @app.post("/api/events", tags=["writes"], response_model=None,
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/x-ndjson": {"schema": {"type": "string"}},
                  "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}},
              responses={200: {"model": models.Appended}, 400: {"model": models.Error},
                         401: {"model": models.Error}, 413: {"model": models.Error}})
    async def append(request: Request) -> Response:
        """Append a JSON Lines body (or a JSON array) all or nothing, as `ledger append --file` does.

        Needs `Authorization: Bearer SECRET`; the token's name is the `recorded_by` of every event.
        """
        name = await run_in_threadpool(need_token, request)
        body = await read_body(request, settings.max_body)

        def run() -> Any:
            from ledger.lines import decode_body

            with writing:
                # workers=0: no forking from a threaded server; a request body is small (--max-body).
                return ledger.append(decode_body(body), author=name, author_fixed=True, workers=0)

        result = await run_in_threadpool(run)
        return json_answer({**result.to_json(), "recorded_by": name})

    add_pages(app, ledger, reader)
    return app


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes (declared or not)."""
    declared = request.headers.get("content-length")
    too_big = ApiError(413, f"the body is over the limit of {limit} bytes: send fewer events per request "
                       "(or start the server with a larger --max-body)", limit=limit)
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def history_page(ledger: Ledger, measure: str | None, track: str | None, summit: str | None,
                 since: str | None, until: str | None, limit: int, after: str | None) -> dict[str, Any]:
    """One page of ``ledger history``: the events after position ``after``, at most ``limit``."""
    from ledger.cli.options import date_range

    chosen = [(k, v) for k, v in (("measure", measure), ("track", track), ("summit", summit)) if v]
    if len(chosen) > 1:
        raise_input(chosen[1][0], "filter by one of measure, track, summit at a time")
    kind, slug = chosen[0] if chosen else (None, None)
    if after is not None and not after.isdigit():
        raise_input("after", f"{after!r} is not a cursor: pass the `next` of the previous page")
    first, last = date_range("since", since, "until", until)
    # One more than the page, to know whether another follows: a page reads limit + 1 rows, not the history.
    # A cursor past any position the database can hold is simply past the end.
    start = min(int(after), 2**63 - 1) if after is not None else None
    entries = ledger.history(kind, slug, first, last, start, limit + 1).entries
    if slug is not None and not entries and not ledger.history(kind, slug, limit=1).entries:
        raise ApiError(404, f"no {kind} {slug!r} in the ledger", field=kind)
    page = entries[:limit]
    more = len(entries) > limit
    return {"events": [e.to_json() for e in page], "next": str(page[-1].position) if more and page else None}


def _country(field: str, value: str | None) -> str | None:
    from ledger.cli.options import country

    return country(field, value)


def _product(value: str) -> str:
    from ledger.cli.options import product

    return product("product", value)


def _add_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.body, exc.headers)

    async def bad_input(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadInput)
        return error_response(400, bad_input_body(exc))

    async def ledger_error(request: Request, exc: Exception) -> Response:
        # No ledger or a database that refused: the service, not the request, is unavailable.
        status = 503 if isinstance(exc, NoLedger | StorageError) else 500
        return error_response(status, {"message": str(exc)})

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [InputError(None, str(e["loc"][-1]), str(e["msg"])) for e in exc.errors()]
        return error_response(400, bad_input_body(BadInput(problems)))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(exc.status_code, {"message": str(exc.detail)}, getattr(exc, "headers", None))

    handlers: list[tuple[type[Exception], Callable[[Request, Exception], Awaitable[Response]]]] = [
        (ApiError, api_error), (BadInput, bad_input), (LedgerError, ledger_error),
        (RequestValidationError, invalid), (StarletteHTTPException, http_error)]
    for kind, handler in handlers:
        app.add_exception_handler(kind, handler)


__all__ = ["ApiError", "Settings", "create_app", "from_environment"]
