"""The event vocabulary of the ledger (docs/spec.md §3): frozen pydantic models, no I/O.

One module per family (``measure``, ``talks``, ``summit``, ``schedule``, ``correction``);
:mod:`events.registry` derives the ``type`` → model table from them and
:mod:`events.parse` turns JSON objects into models with errors that name the field.
Nothing is imported here, so ``events.errors`` stays cheap for the CLI's start-up.
"""
