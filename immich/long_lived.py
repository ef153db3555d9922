"""What the API process loads at start lives as long as the process: frozen out of the garbage collector's sight
(`gc.freeze()`), so that a full collection does not walk it again. Unfrozen, the app's ~200,000 objects made each full
collection cost 130-245 ms of CPU on a loaded machine, and one came every eight or so metadata search pages (a page
makes ~10,000 objects that outlive a young collection): they were the pages' 95th percentile (docs/performance.md)."""

from __future__ import annotations

import gc

from django.urls import get_resolver


def freeze_loaded_app() -> None:
    """Loads the URL patterns and every view module they import (else loaded by the first request, after the freeze:
    ~27,000 objects the collector would keep walking), drops what is already garbage, and freezes the rest."""
    len(get_resolver().reverse_dict)
    gc.collect()
    gc.freeze()
