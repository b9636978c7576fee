"""Commenter avatars: a local identicon that always works, Gravatar as an optional upgrade.

The page's ``<img src>`` is always our own SVG (``/avatars/<hash>.svg``), so nothing is broken
offline or without JavaScript. When ``GRAVATAR`` is on, ``static/js/comments.js`` tries the
Gravatar image (``d=404``) and swaps it in only once it has loaded.
"""

from __future__ import annotations

import hashlib
import re

GRAVATAR_BASE = "https://www.gravatar.com/avatar/"
HASH_RE = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{64})$")
_GRID = 5
_CELL = 8
_MARGIN = 4


def avatar_hash(email: str | None, user_id: int | None = None) -> str:
    """Gravatar's key: sha256 of the trimmed, lower-cased email; accounts without one hash their id."""
    email = (email or "").strip().lower()
    key = email or (f"user:{user_id}" if user_id is not None else "anonymous")
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


#: The local placeholder: the identicon of an account-less, address-less commenter. Shown for a
#: comment whose author deleted their account (its hash was erased with their address).
PLACEHOLDER_HASH = avatar_hash(None)


def gravatar_url(hash_: str, size: int = 80) -> str:
    """Gravatar answers 404 for unknown hashes (``d=404``) so the local fallback stays."""
    return f"{GRAVATAR_BASE}{hash_}?s={size}&d=404&r=g"


def identicon_svg(hash_: str) -> str:
    """A 5x5 mirrored identicon, coloured from the hash: the same hash always draws the same face."""
    digest = bytes.fromhex(hash_) if len(hash_) % 2 == 0 else hashlib.sha256(hash_.encode()).digest()
    if len(digest) < 16:
        digest = hashlib.sha256(digest).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    fg = f"hsl({hue}, 55%, 45%)"
    bg = f"hsl({hue}, 40%, 92%)"
    size = _GRID * _CELL + 2 * _MARGIN
    cells = []
    bits = int.from_bytes(digest[2:10], "big")
    half = (_GRID + 1) // 2
    for row in range(_GRID):
        for col in range(half):
            if bits & 1:
                for x in {col, _GRID - 1 - col}:
                    cells.append(
                        f'<rect x="{_MARGIN + x * _CELL}" y="{_MARGIN + row * _CELL}" '
                        f'width="{_CELL}" height="{_CELL}"/>'
                    )
            bits >>= 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size}" height="{size}" role="img" aria-hidden="true">'
        f'<rect width="{size}" height="{size}" fill="{bg}"/>'
        f'<g fill="{fg}">{"".join(cells)}</g></svg>'
    )
