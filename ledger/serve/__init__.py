"""``ledger serve``: the ledger over HTTP (JSON API) and as web pages, for colleagues without a terminal.

Every answer comes from the same :class:`ledger.service.Ledger` method the CLI calls, and the
JSON is the result's ``to_json()`` — so ``GET /api/rate/JP/870323?as_of=2025-06-01`` equals
``ledger rate JP 870323 --as-of 2025-06-01 --format json``. This package holds no rule of the
ledger: it parses query parameters as the CLI parses options, checks tokens, and renders.
It keeps no state between requests (tokens are looked up in the ledger on every request), so
several processes can serve one PostgreSQL ledger. FastAPI, uvicorn and Jinja2 come with the
``serve`` extra; nothing here is imported unless ``ledger serve`` runs.
"""
