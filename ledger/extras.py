"""Optional parts of the ledger and the pip extra that brings each (``pip install 'negotiation-ledger[serve]'``).

A command whose extra is missing is refused as a usage problem (exit 2) in one line that says what
to install, instead of failing deep inside with ``ModuleNotFoundError``::

    $ ledger chart JP 870323 --from 2025-01-01 --to 2025-12-31 -o jp.png
    error: `ledger chart` needs matplotlib, which is not installed: pip install 'negotiation-ledger[chart]'
"""

from __future__ import annotations

import importlib

#: extra -> the modules it provides, in the order they are checked.
EXTRAS = {"chart": ("matplotlib",), "serve": ("fastapi", "uvicorn", "jinja2")}


def require(extra: str, command: str) -> None:
    """Import the modules of ``extra`` now; BadInput (exit 2) naming the extra if one is missing."""
    from events.errors import BadInput, InputError

    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError:
            raise BadInput([InputError(None, None, f"`{command}` needs {module}, which is not installed: "
                                                   f"pip install 'negotiation-ledger[{extra}]'")]) from None
