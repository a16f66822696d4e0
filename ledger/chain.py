"""The hash chain over the log: each link covers the previous link and one stored event's bytes.

    link(GENESIS, topic_1, state_1) -> L1;  link(L1, topic_2, state_2) -> L2;  …

Rewriting any stored event changes its link and every link after it, so a head
digest kept outside the ledger (``ledger digest``) proves the log still extends
what it was (``ledger verify --digest``). Appends, ``verify`` and ``restore``
compute links with this one function.
"""

from __future__ import annotations

import hashlib

GENESIS = "0" * 64  # the link before the first event: the digest of an empty ledger


def link(previous: str, topic: str, state: bytes) -> str:
    """One chain link: covers the previous link and the stored event's bytes."""
    h = hashlib.sha256(previous.encode())
    h.update(b"\n" + topic.encode() + b"\n")
    h.update(state)
    return h.hexdigest()
