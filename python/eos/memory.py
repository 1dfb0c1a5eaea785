"""The compiled core's cache of array memory."""
from __future__ import annotations

from . import _core, _validate


def memory_cache(limit: int | None = None) -> dict[str, int]:
    """Report, and optionally set, how much freed array memory eos keeps for its next calls.

    Every array of at least 1 MiB that a call returns or works in takes its memory from a cache, and gives it back
    when it is freed. The next call with the same number of initialisations takes those blocks again instead of
    new pages, which Linux must map and zero first: at 10⁶ chains that was 13–40 ms of every call, a fifth of a
    200-step call in double, and the part that a second thread did not speed up. The cache frees its oldest blocks
    to stay within ``limit`` bytes. Results never depend on it: every output element is written by each call.

    Parameters
    ----------
    limit : int, optional
        New limit in bytes (default at import: 256 MiB). ``0`` frees every block and turns the cache off.

    Returns
    -------
    dict
        ``{"limit": bytes, "held": bytes}`` after the change: the limit, and the memory the cache holds now.
    """
    if limit is not None:
        _core.set_memory_cache_limit(_validate.integer("limit", limit, 0))
    return {"limit": _core.memory_cache_limit(), "held": _core.memory_cache_bytes()}
