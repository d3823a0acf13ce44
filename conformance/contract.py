"""Facts of the contract (spec/README.md) that more than one layer needs: one home each.

The step vocabulary has its own table, :mod:`conformance.steps`.
"""

from __future__ import annotations

from collections.abc import Collection

# Commits whose bug a model may reintroduce (spec/README.md, BUGS).
BUG_NO_ENTRY_RECHECK = "04fc7816089c"  # writeback does not re-check the tree entry: stale data
BUG_NO_SKIP_IF_EXISTS = "a65b0e7607cc"  # writeback waits on a held pin again: the recursion deadlock
BUG_LRU_SKIP_CURSOR = "27d3969b47cc"  # on -EEXIST the walk goes on from a cursor it did not pin
BUG_SYNC_EXCLUSIVE_LOAD = "25cd241408a2"  # zswap_load() into the bypass's private folio frees the entry
BUG_STORE_KEEPS_DUP = "678e54d4bb9a"  # a skipped zswap_store leaves the old (duplicate) entry in the tree
# writeback dereferences the zswap tree before it holds the swap-cache folio: use after free under swapoff
BUG_SWAPOFF_RACE = "5878303c5353"
# writeback's failed re-check drops its folio from the swap cache without folio_unlock()/folio_put(): stranded locked
BUG_NO_FOLIO_CLEANUP = "e3b63e966cac"
# the SWP_SYNCHRONOUS_IO bypass takes no swapcache_prepare() pin: two faults bypass at once (13ddaf26be32 undone)
BUG_PINLESS_BYPASS = "13ddaf26be32"
KNOWN_BUGS = frozenset(
    {
        BUG_NO_ENTRY_RECHECK,
        BUG_NO_SKIP_IF_EXISTS,
        BUG_LRU_SKIP_CURSOR,
        BUG_SYNC_EXCLUSIVE_LOAD,
        BUG_STORE_KEEPS_DUP,
        BUG_SWAPOFF_RACE,
        BUG_NO_FOLIO_CLEANUP,
        BUG_PINLESS_BYPASS,
    }
)

# The pcs at which a frame holds its slot's pin or folio lock, by the frame's
# kernel function (spec/README.md, "Who waits on whom").
HOLDING_PCS: dict[str, frozenset[str]] = {
    # The SWP_SYNCHRONOUS_IO bypass holds its pin over the charge in v6.8's order ("sync_charge"), and over
    # the read in both orders ("sync_read"); 6.12 charges before it pins ("sync_alloc").
    "do_swap_page": frozenset(
        {"lru_remove", "charge", "charge_retry", "add", "read", "map", "sync_charge", "sync_charge_retry", "sync_read"}
    ),
    # "charge", "charge_retry": the worker's writeback charging (WORKER_CHARGE_RECLAIM), pinned, no folio yet.
    "zswap_writeback_entry": frozenset({"charge", "charge_retry", "write"}),
}


def writeback_skips_pinned(variant: str, bugs: Collection[str]) -> bool:
    """Whether writeback gives up on a slot another task pinned (skip_if_exists is in effect: v6.8, still 6.12)."""
    return variant in ("skip_if_exists", "rotate") and BUG_NO_SKIP_IF_EXISTS not in bugs
