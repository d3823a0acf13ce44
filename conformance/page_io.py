"""mm/page_io.c: reading a swapped-out page into its new folio."""

from __future__ import annotations

from . import zswap
from .state import MM


def swap_read_folio(mm: MM, slot: int) -> None:
    """Fill the locked folio of ``slot``: from zswap if it holds the slot, else from the device."""
    # [6.12 mm/page_io.c:634-637] "} else if (zswap_load(folio)) { folio_unlock(folio); goto finish; }"
    data = zswap.zswap_load(mm, slot)
    if data is None:
        data = mm.swap_device[slot]  # swap_readpage_bdev_sync()
    # folio_mark_uptodate().  The fault keeps the folio locked until it maps
    # it: the kernel's unlock here and relock in do_swap_page are one step.
    folio = mm.swap_cache[slot]
    assert folio is not None, "swap_read_folio() without the locked folio"
    mm.set_folio(slot, folio._replace(uptodate=True, data=data))
