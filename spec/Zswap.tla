------------------------------- MODULE Zswap -------------------------------
(***************************************************************************)
(* Swap-in racing with zswap writeback (Linux mm, v6.5 .. 6.12, 2025).     *)
(*                                                                         *)
(* The thread: "[PATCH v2 1/2] zswap: make shrinking memcg-aware",         *)
(* linux-mm, September 2023.  A faulting task pins a swap slot             *)
(* (SWAP_HAS_CACHE), its memcg charge enters direct reclaim, reclaim runs  *)
(* zswap writeback in the same task, writeback isolates the entry of the   *)
(* very slot the task pinned and waits for the pin: forever.               *)
(*                                                                         *)
(* spec/README.md is the contract: variables, value shapes and steps are   *)
(* shared with the Python reference implementation (conformance/) and the  *)
(* generated tests.  Each action below quotes the kernel function and C    *)
(* statement it models, with its source in brackets: [6.12 mm/zswap.c:N]   *)
(* is Debian's linux-source-6.12 (6.12.118), checked by `make quotes`;     *)
(* [v6.8 <commit>] and [patch <Message-ID>] name older code that no        *)
(* package holds (spec/README.md, "Kernel quotes").  VARIANT "rotate" is   *)
(* 6.9 .. 6.12 as 6.12.118 has it; the other variants are v6.8's code.     *)
(*                                                                         *)
(* Abstracted away (README "What is abstracted away"): one memcg, one swap *)
(* device, one pool, no readahead, use count 0/1 (2 with SwapShared),     *)
(* exclusive loads unless a v6.8 model turns them off (ExclusiveLoads),    *)
(* one reclaim per fault; swapoff only where a model turns it on           *)
(* (Swapoffs).                                                             *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS
    Tasks,        \* faulting tasks (do_swap_page); each may reclaim from its charge
    Shrinkers,    \* background shrinkers (shrink_worker); writeback only
    Slots,        \* swap slots (swp_entry_t offsets)
    Versions,     \* page data; a fresh one per zswap_store
    VARIANT,      \* "none", "lru_remove", "skip_if_exists", "swap_table", "rotate"
    PUTBACK,      \* "tail" (v6.8) or "head": where a failed entry goes back
    SCAN_BUDGET,  \* entries one reclaim walk may isolate
    BUGS,         \* commit ids whose bug is reintroduced
    FAIRNESS,     \* "weak" or "strong", per actor
    WORKER_CHARGE_RECLAIM, \* TRUE: shrink_worker's writeback charge may reclaim or fail
    NoEntry, NoFolio, NoData

ASSUME VARIANT \in {"none", "lru_remove", "skip_if_exists", "swap_table", "rotate"}
ASSUME PUTBACK \in {"tail", "head"}
ASSUME SCAN_BUDGET \in Nat \ {0}
ASSUME BUGS \subseteq {"04fc7816089c", "a65b0e7607cc", "27d3969b47cc", "25cd241408a2", "678e54d4bb9a", "5878303c5353",
                        "e3b63e966cac", "13ddaf26be32"}
ASSUME FAIRNESS \in {"weak", "strong"}
ASSUME WORKER_CHARGE_RECLAIM \in BOOLEAN
ASSUME Tasks \cap Shrinkers = {}

(* swapoff(2) of the one swap device: the actors that may run it.  None   *)
(* here; a model names one with the cfg line `Swapoffs = {o1}` (and       *)
(* `o1 = o1`): TLC lets a cfg give a definition a value.  The device's    *)
(* lifetime is that actor's bottom frame (README "Swapoff"): no frame,    *)
(* the device is on; pc "unuse", SWP_WRITEOK is cleared and try_to_unuse() *)
(* runs; pc "off", zswap_swapoff() has freed the zswap tree.              *)
Swapoffs == {}
ASSUME Swapoffs \cap (Tasks \cup Shrinkers) = {}

Actors == Tasks \cup Shrinkers \cup Swapoffs

VARIABLES
    swap_map,      \* si->swap_map: use count and SWAP_HAS_CACHE (the pin)
    swapped_page,  \* the data of the page whose PTE holds the slot
    swap_cache,    \* the swap address space: one folio per slot
    zswap_tree,    \* the zswap tree: one entry per slot, with identity
    zswap_lru,     \* pool->list_lru, head = oldest
    zswap_referenced, \* entry->referenced of the tree entry at each slot (rotate's second chance)
    swap_device,   \* what writeback wrote; stale bytes stay after free
    stack          \* each actor's call stack, bottom first

vars == <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru,
          zswap_referenced, swap_device, stack>>

(***************************************************************************)
(* Value shapes (README "Variables").                                      *)
(***************************************************************************)
Data  == Versions \cup {NoData}
Entry == [slot : Slots, data : Versions]
Folio == [locked : BOOLEAN, uptodate : BOOLEAN, data : Data]

SwapinPcs == {"lookup", "hit_wait", "hit_gone", "hit_stranded", "lru_remove", "charge", "charge_retry", "add", "read", "map",
              "sync_alloc", "sync_alloc_retry", "sync_prepare", "sync_charge", "sync_charge_retry", "sync_read",
              "sync_unpinned_read", "sync_unpinned_map"}
WbPcs     == {"prepare", "charge", "charge_retry", "write", "putback"}

SwapinFrame == [fn : {"do_swap_page"}, slot : Slots, page : Versions,
                pc : SwapinPcs, lru_removed : BOOLEAN]
WalkFrame   == [fn : {"shrink_memcg_cb"}, budget : 0..SCAN_BUDGET]
WbFrame     == [fn : {"zswap_writeback_entry"}, entry : Entry, pc : WbPcs,
                cursor : Entry \cup {NoEntry}]
SwapoffFrame == [fn : {"swapoff"}, pc : {"unuse", "off"}]

(* The swap-in path pins the slot and only later adds its folio, except   *)
(* with the swap table, which does both in one critical section.          *)
SwapTable     == VARIANT = "swap_table"
LruRemove     == VARIANT = "lru_remove"
(* 6.9 .. 6.12: entries are rotated, not isolated; no put-back step.      *)
Rotate        == VARIANT = "rotate"
(* skip_if_exists is only in effect when zswap passes the flag: bug       *)
(* a65b0e7607cc is "the flag exists but writeback does not pass it".      *)
(* 6.12 still passes it: [6.12 mm/zswap.c:1070-1071] "folio =             *)
(* __read_swap_cache_async(swpentry, GFP_KERNEL, mpol, NO_INTERLEAVE_INDEX, *)
(* &folio_was_allocated, true);"                                          *)
SkipIfExists  == VARIANT \in {"skip_if_exists", "rotate"} /\ "a65b0e7607cc" \notin BUGS
NoEntryRecheck == "04fc7816089c" \in BUGS
(* Bug e3b63e966cac (v6.4 .. v6.8-rc, the re-check that 04fc7816089c added): *)
(* when the re-check finds the entry gone, writeback deletes its folio from  *)
(* the swap cache and returns without unlocking or putting it.  The fix,    *)
(* [patch <20240125085127.1327013-1-yosryahmed@google.com> mm/zswap.c]      *)
(* "delete_from_swap_cache(folio);" ... "folio_unlock(folio); folio_put(folio);" *)
(* added the two calls (the commit: "it will only strand the folio          *)
(* indefinitely").                                                          *)
NoFolioCleanupBug == "e3b63e966cac" \in BUGS

(* The SWP_SYNCHRONOUS_IO swap-cache bypass of do_swap_page() (zram and    *)
(* other synchronous devices, use count 1: every swap-in that misses the   *)
(* swap cache takes it).  Off here; a model turns it on with the cfg line  *)
(* `SyncIO <- SyncIOOn` (MCZswap.tla).  The bypass reads into a private    *)
(* folio that is never in the swap cache; its pin is swapcache_prepare()'s *)
(* SWAP_HAS_CACHE alone.  Orders: v6.8 .. v6.11 pin, then allocate and     *)
(* charge ([v6.8 13ddaf26be32 mm/memory.c] "if (swapcache_prepare(entry)) {" *)
(* ... "folio = vma_alloc_folio(GFP_HIGHUSER_MOVABLE, 0, vma, vmf->address, false);"); *)
(* 6.12 (rotate) allocates and charges first, then pins:                  *)
(* [6.12 mm/memory.c:4292] "folio = alloc_swap_folio(vmf);" then          *)
(* [6.12 mm/memory.c:4308] "if (swapcache_prepare(entry, nr_pages)) {".    *)
(* The swap table series routes every swap-in through the swap cache, so   *)
(* swap_table has no bypass (ASSUME below).                               *)
SyncIO == FALSE
ASSUME ~(SyncIO /\ VARIANT = "swap_table")
(* Bug 25cd241408a2: zswap_load() into the bypass's private folio is       *)
(* exclusive, as every load was before that fix (v6.5 .. v6.9-rc, with    *)
(* exclusive loads on): [patch <20240324210447.956973-1-hannes@cmpxchg.org> mm/zswap.c] *)
(* "zswap_rb_erase(&tree->rbroot, entry);" is what the fix made           *)
(* conditional on the folio being in the swap cache.  Without the bug the *)
(* load leaves the entry in the tree, for every variant (the fix went to  *)
(* stable 6.5+, so v6.8.y has it too).                                    *)
ExclusiveBypassLoad == "25cd241408a2" \in BUGS
(* Bug 13ddaf26be32 ("mm/swap: fix race when skipping swapcache", Kairui  *)
(* Song, v6.8-rc, stable): before it the bypass took no pin at all.  The  *)
(* fix added [patch <20240219082040.7495-1-ryncsn@gmail.com> mm/memory.c] *)
(* "if (swapcache_prepare(entry)) {" ... "need_clear_cache = true;" before *)
(* the allocation, and "swapcache_clear(si, entry);" at both exits; 6.12   *)
(* keeps its comment: [6.12 mm/memory.c:4305] "undetectable as pte_same() returns true due" *)
(* With the bug the bypass allocates and charges (no pin: pc "sync_alloc", *)
(* in every variant, since without the pin the two orders are one), reads *)
(* (SyncReadFolio) and maps (SyncMapFolio) in steps of their own, and its  *)
(* pte_same() compares swap entries, not pages: a second thread's bypass   *)
(* can map the page, free the slot and store the redirtied page into the   *)
(* same slot before the first maps what it read (README "The pin-less      *)
(* bypass").  Not with ExclusiveBypassLoad: two bugs of one path, and the  *)
(* private folio, which the model does not see, would hold the only copy.  *)
PinlessBypass == "13ddaf26be32" \in BUGS
ASSUME ~(PinlessBypass /\ ExclusiveBypassLoad)

(* A swap entry shared by two PTEs (the page was shared after fork): use   *)
(* count 2.  Off here; a model turns it on with `SwapShared <- SwapSharedOn` *)
(* (MCZswap.tla).  The PTEs are anonymous: a fault is on some PTE that     *)
(* holds the slot, so two concurrent faults may be on one PTE (threads) or *)
(* on both (parent and child).  The model lets both map, the second taking *)
(* the other PTE's reference: the same end state as that fault backing out *)
(* and the other process unmapping (FreeSlot), which the model has too.    *)
(* SwapDuplicate makes the second reference, FreeSlot drops one, a fault's *)
(* swap_free drops its own; the slot is freed (and zswap_invalidate runs)  *)
(* only when the last goes.  spec/README.md, "Use count above 1".          *)
SwapShared == FALSE
MaxSwapCount == IF SwapShared THEN 2 ELSE 1
\* The slot is in use: some PTE holds its swap entry.
InUse(s) == swap_map[s].count > 0
\* A fault on s that misses the swap cache takes the SWP_SYNCHRONOUS_IO bypass.
Bypasses(s) == SyncIO /\ swap_map[s].count = 1
LruSkipBug     == "27d3969b47cc" \in BUGS
(* Bug 5878303c5353 on 6.12's code: writeback dereferences the zswap tree *)
(* before it holds the swap-cache folio, as shrink_memcg_cb() did before   *)
(* the fix (TreeDerefPcs).                                                 *)
SwapoffRaceBug == "5878303c5353" \in BUGS

(* v6.8's zswap.exclusive_loads (b9c91c43412f, v6.5 .. v6.8: the module   *)
(* parameter, its boot default CONFIG_ZSWAP_EXCLUSIVE_LOADS_DEFAULT_ON off *)
(* unless configured).  TRUE here: a load frees the entry, as every load   *)
(* into the swap cache does since v6.9 (<20240201-b4-zswap-invalidate-     *)
(* entry-v2-5-99d4084260a0@bytedance.com>, "mm/zswap: only support         *)
(* zswap_exclusive_loads_enabled"); a v6.8 model turns the shared load on  *)
(* with the cfg line `ExclusiveLoads <- ExclusiveLoadsOff` (MCZswap.tla):  *)
(* [v6.8 a65b0e7607cc mm/zswap.c] zswap_load(): "if (zswap_exclusive_loads_enabled) { zswap_invalidate_entry(tree, entry); folio_mark_dirty(folio); } else if (entry->length) { zswap_lru_del(&entry->pool->list_lru, entry); zswap_lru_add(&entry->pool->list_lru, entry); }" *)
(* rotate (6.12) and swap_table (2025) have only exclusive loads into the  *)
(* swap cache.                                                             *)
ExclusiveLoads == TRUE
ASSUME ExclusiveLoads \/ VARIANT \in {"none", "lru_remove", "skip_if_exists"}
\* Not with the bypass: its private folio's load is never exclusive anyway
\* (ExclusiveBypassLoad), and the pair is not modelled.
ASSUME ~(SyncIO /\ ~ExclusiveLoads)

(* A page that do_swap_page() left in the swap cache (MapFolioKeepCache)   *)
(* is written to and reclaimed again: the duplicate store (SwapOutAgain,   *)
(* SwapOutAgainRejected).  Off here; a model turns it on with the cfg line *)
(* `Redirty <- RedirtyOn` (MCZswap.tla).                                   *)
Redirty == FALSE
\* Not combined with a shared slot: only the PTE that mapped the kept folio could
\* redirty it, and which reference a re-store keeps is not modelled.
ASSUME ~(Redirty /\ SwapShared)
\* swapoff is modelled with exclusive loads and use count 1 only (no model combines them).
ASSUME Swapoffs = {} \/ (~SwapShared /\ ~Redirty /\ ExclusiveLoads)
\* Bug 678e54d4bb9a: a store skipped (zswap disabled) before the duplicate
\* check leaves the old entry in the tree.
StoreKeepsDupBug == "678e54d4bb9a" \in BUGS

(* When zswap_invalidate() runs.  6.12 (rotate): once the slot is really  *)
(* free, use count and SWAP_HAS_CACHE both gone (free_swap_slot(), below). *)
(* v6.8 calls it even later, from swap_range_free() when the swap slots    *)
(* cache returns the slot (the move to free_swap_slot() is in the v6.9     *)
(* series above, <20240201-b4-zswap-invalidate-entry-v2-0-99d4084260a0@bytedance.com>), *)
(* but still only for a fully free slot.  The v6.8 models with exclusive   *)
(* loads invalidate at the first swap_free() instead: it only adds         *)
(* behaviours there (README "What is abstracted away").  With shared loads *)
(* it would hide the entry a kept folio's re-store meets, so they defer    *)
(* like rotate.                                                            *)
DeferredInvalidate == Rotate \/ ~ExclusiveLoads

(* The fix, as merged for v6.18 (Kairui Song, "mm, swap: always lock and  *)
(* check the swap cache folio before use", not backported to 6.12.y):      *)
(* unuse_pte() checks the folio after the lock, as do_swap_page() does:   *)
(* [v6.18-rc1 ae38eb210590 mm/swapfile.c] "if (!folio_matches_swap_entry(folio, entry)) return 0;"  *)
(* (patch <20250910160833.3464-6-ryncsn@gmail.com>).  The PTE is left     *)
(* alone; try_to_unuse() meets the slot again (UnuseSlot).  Off by        *)
(* default (6.12 as released); cfg                                        *)
(* `UnuseMatchesSwapEntry <- UnuseMatchesSwapEntryOn` (MCZswap.tla).       *)
UnuseMatchesSwapEntry == FALSE

(* 6.12's way to a duplicate store (README "6.12's duplicate store").  The *)
(* folio that carried a page to zswap_store() is still in the swap cache   *)
(* after the store: [6.12 mm/page_io.c:279-281] "if (zswap_store(folio)) { folio_unlock(folio); return 0; }" *)
(* and reclaim drops it only if it can lock it again:                      *)
(* [6.12 mm/vmscan.c:1419-1420] "if (!folio_trylock(folio)) goto keep;"    *)
(* (else the folio waits for the next round, DropCleanFolio).  A fault     *)
(* that finds it there maps it with no load, so the entry stays:           *)
(* [6.12 mm/memory.c:4283-4284] "folio = swap_cache_get_folio(entry, vma, vmf->address); if (folio)" *)
(* (swap_read_folio() only follows a miss); a read fault then keeps the    *)
(* folio (MapFolioKeepCache) and the entry stays until the slot is free.  *)
(* Off here; `KeepSwapOutFolio <- KeepSwapOutFolioOn` (MCZswap.tla) adds   *)
(* SwapOutKeepCache.  Only with deferred invalidation (the early one of    *)
(* the v6.8 exclusive-load models would drop the very entry), use count 1 *)
(* and no swapoff: no model combines them.                                *)
KeepSwapOutFolio == FALSE
ASSUME KeepSwapOutFolio => DeferredInvalidate /\ ~SwapShared /\ Swapoffs = {}

(* A kept folio (MapFolioKeepCache) whose page is reclaimed again without  *)
(* having been written to: try_to_unmap() puts the swap entry back in the  *)
(* PTE, [6.12 mm/vmscan.c:1326] "try_to_unmap(folio, flags);", and a clean *)
(* folio skips pageout(), [6.12 mm/vmscan.c:1347] "if (folio_test_dirty(folio)) {", *)
(* so __remove_mapping() drops it with no store: its data must still be in *)
(* zswap or on the device.  An exclusive load marks its folio dirty        *)
(* ([6.12 mm/zswap.c:1634-1636] "if (swapcache) { zswap_entry_free(entry); folio_mark_dirty(folio);"), *)
(* so that one is always stored again (Redirty); the clean ones are a      *)
(* shared load's (v6.8, the entry kept), a device read's, and 6.12's       *)
(* swap-out folio (KeepSwapOutFolio, the entry kept).  FolioClean is the   *)
(* dirty bit here: an exclusively loaded version is nowhere else.  Off     *)
(* here; `CleanReclaim <- CleanReclaimOn` adds UnmapCleanFolio.            *)
CleanReclaim == FALSE
ASSUME CleanReclaim => ~SwapShared /\ Swapoffs = {}

(***************************************************************************)
(* Helpers.                                                                *)
(***************************************************************************)
Top(a)      == stack[a][Len(stack[a])]
Popped(a)   == SubSeq(stack[a], 1, Len(stack[a]) - 1)
SetTop(a, f) == [stack EXCEPT ![a][Len(stack[a])] = f]
PopTop(a)   == [stack EXCEPT ![a] = Popped(a)]
Push(a, f)  == [stack EXCEPT ![a] = Append(@, f)]

TopIs(a, fn) == stack[a] # <<>> /\ Top(a).fn = fn
\* The slot the top frame works on.
TopSlot(a)  == IF Top(a).fn = "do_swap_page" THEN Top(a).slot ELSE Top(a).entry.slot

\* The walk at index i of a's stack is zswap_shrinker_scan()'s (reclaim: a
\* task's, or the one the worker's writeback charge entered), not
\* shrink_worker()'s own: there is a frame below it.
ScanWalk(a, i) == i > 1

\* The page under the PTE is still the one the fault started on (pte_same).
PageUnchanged(f) == swapped_page[f.slot] = f.page

\* Task t has a swap-in frame on slot s (a task's swap-in frame is its bottom one).
FaultsOn(t, s) == stack[t] # <<>> /\ stack[t][1].slot = s

LruHas(e)       == \E i \in 1..Len(zswap_lru) : zswap_lru[i] = e
LruWithout(e)   == SelectSeq(zswap_lru, LAMBDA x : x # e)
\* lru_remove: the swap-in frame f puts back at the tail the entry it took off
\* the LRU (ZswapLruRemove), if the slot still has it.
LruReinsert(f)  == IF f.lru_removed /\ zswap_tree[f.slot] # NoEntry
                   THEN Append(zswap_lru, zswap_tree[f.slot]) ELSE zswap_lru
\* zswap_invalidate / zswap_entry_free: the tree entry and its LRU node go.
\* [6.12 mm/zswap.c:800-803] zswap_entry_free(): "zswap_lru_del(&zswap_list_lru, entry);"
Invalidate(s) ==
    /\ zswap_tree' = [zswap_tree EXCEPT ![s] = NoEntry]
    /\ zswap_lru' = IF zswap_tree[s] = NoEntry THEN zswap_lru
                    ELSE LruWithout(zswap_tree[s])
    /\ zswap_referenced' = [zswap_referenced EXCEPT ![s] = FALSE]

(* rotate's second chance: the walk's callback rotates a referenced entry   *)
(* instead of writing it back.  [6.12 mm/zswap.c:1164-1167]                 *)
(* shrink_memcg_cb(): "if (entry->referenced) { entry->referenced = false;  *)
(* return LRU_ROTATE; }" and [6.12 mm/list_lru.c:250-251]                   *)
(* __list_lru_walk_one(): "case LRU_ROTATE: list_move_tail(item, &l->list);" *)
(* The walk holds the LRU lock from one callback's spin_lock to the next    *)
(* spin_unlock, so the rotations and the step after them are one step.      *)
EntryReferenced(e) == zswap_referenced[e.slot]   \* e is on the LRU, so it is the tree entry at e.slot
\* How many entries at the head a walk rotates before it meets an
\* unreferenced one (all of them when every entry is referenced: after
\* that many rotations the walk meets the first one again, bit cleared).
LeadingReferenced ==
    LET n == Len(zswap_lru)
        firsts == {i \in 1..n : ~EntryReferenced(zswap_lru[i])}
    IN IF firsts = {} THEN n
       ELSE (CHOOSE i \in firsts : \A j \in firsts : i <= j) - 1
\* The LRU after its first m entries moved to the tail, in order.
RotateLru(m) == SubSeq(zswap_lru, m + 1, Len(zswap_lru)) \o SubSeq(zswap_lru, 1, m)
\* Their referenced bits cleared.
ClearReferenced(m) ==
    [s \in Slots |-> IF \E i \in 1..m : zswap_lru[i].slot = s THEN FALSE
                     ELSE zswap_referenced[s]]

NewFolio == [locked |-> TRUE, uptodate |-> FALSE, data |-> NoData]
SetPin(s, b) == [swap_map EXCEPT ![s].has_cache = b]

\* A version is fresh when nothing in the state refers to it: then it can be
\* the identity of a new zswap entry, and symmetry over Versions is sound.
Referenced(v) ==
    \/ \E s \in Slots :
         \/ swapped_page[s] = v
         \/ swap_device[s] = v
         \/ zswap_tree[s] # NoEntry /\ zswap_tree[s].data = v
         \/ swap_cache[s] # NoFolio /\ swap_cache[s].data = v
    \/ \E i \in 1..Len(zswap_lru) : zswap_lru[i].data = v
    \/ \E a \in Actors : \E i \in 1..Len(stack[a]) :
         LET f == stack[a][i] IN
           \/ f.fn = "do_swap_page" /\ f.page = v
           \/ f.fn = "zswap_writeback_entry" /\
                (f.entry.data = v \/ (f.cursor # NoEntry /\ f.cursor.data = v))

\* SwapOut's version.  (The deep model overrides it with MCZswap!FirstFreshVersion.)
IsFreshVersion(v) == ~Referenced(v)

\* The device keeps a freed slot's stale bytes, and writeback writes a slot
\* whatever its use count.  (The deep model overrides both with
\* MCZswap!ForgetFreedDevice and MCZswap!ForgetDeviceWrite.)
FreedDevice(s) == swap_device[s]
DeviceWrite(s, d) == d

\* rotate: zswap_invalidate() runs when the slot is really freed, the use
\* count and SWAP_HAS_CACHE both gone: [6.12 mm/swapfile.c:1520-1521]
\* "if (!usage) free_swap_slot(entry);" and [6.12 mm/swap_slots.c:277]
\* free_swap_slot(): "zswap_invalidate(entry);".  The v6.8 variants
\* invalidate at the first swap_free().
\* SWAP_HAS_CACHE is a folio's, or the pin of a worker's writeback charging
\* before it adds its folio (WORKER_CHARGE_RECLAIM).
InvalidatesNow(s) == ~DeferredInvalidate \/ ~swap_map[s].has_cache
\* rotate: SWAP_HAS_CACHE goes from a slot whose use count is gone: the
\* slot is freed now (v6.8 invalidated it at the swap_free(), unless
\* DeferredInvalidate).
SlotFreedWithPin(s) ==
    IF DeferredInvalidate /\ swap_map[s].count = 0
    THEN /\ Invalidate(s)
         /\ swap_device' = [swap_device EXCEPT ![s] = FreedDevice(s)]
    ELSE UNCHANGED <<zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* Folio identity.  A fault that found the slot's folio (pc "hit_wait")
\* holds a reference to *that* folio, not to the slot.  When the folio
\* leaves the swap cache (MapFolio, WbEntryGone, swap_table's ChargeFail;
\* each unlocks it in the same step), the fault goes to pc "hit_gone": it
\* will lock the old folio at once, whatever folio holds the slot by then,
\* and see that it left: [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);"
\* then [6.12 mm/memory.c:4378-4380] "if (unlikely(!folio_test_swapcache(folio) || page_swap_entry(page).val != entry.val)) goto out_page;"
\* (the same check in v6.8: [v6.8 cfeed8ffe55b mm/memory.c] "if (unlikely(!folio_test_swapcache(folio) || page_swap_entry(page).val != entry.val))").
\* Without this the state names folios by slot, and the fault would wait
\* on a new folio that took the slot (RetryFault, below).
\* swapoff's unuse_pte_range() holds its folio the same way (its swap-in
\* frame is the second one, above the swapoff frame).
\* FolioLeavesTo(st, s, to): the faults (and swapoff's swap-in) that hold a
\* reference to slot s's folio go to pc `to`, in the stacks st.
FolioLeavesTo(st, s, to) ==
    [a \in Actors |->
        IF a \in Tasks /\ st[a] # <<>> /\ st[a][1].slot = s /\ st[a][1].pc = "hit_wait"
        THEN <<[st[a][1] EXCEPT !.pc = to]>>
        ELSE IF a \in Swapoffs /\ Len(st[a]) = 2 /\ st[a][2].slot = s /\ st[a][2].pc = "hit_wait"
        THEN <<st[a][1], [st[a][2] EXCEPT !.pc = to]>>
        ELSE st[a]]
FolioLeaves(st, s) == FolioLeavesTo(st, s, "hit_gone")
\* The folio leaves the swap cache still locked, and the actor that locked
\* it returns without unlocking it (bug e3b63e966cac, WbEntryGone): a
\* folio no lookup can find again, that nobody holds and nobody will
\* unlock.  The state has no variable for it: what remains of it is the
\* pc of the faults that hold a reference to it, "hit_stranded", asleep in
\* [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);"
\* (swapoff: [6.12 mm/swapfile.c:2235] "folio_lock(folio);") for good.
\* They take no step, not even PteChanged: the pte_same() check comes
\* after the lock.  With no such fault the stranded folio changes nothing
\* any actor can see (it only leaks: the missing folio_put()).
FolioStranded(st, s) == FolioLeavesTo(st, s, "hit_stranded")

(***************************************************************************)
(* Who holds a slot, who waits on whom (README "Who waits on whom").       *)
(***************************************************************************)
\* The bypass holds its pin from SyncSwapcachePrepare on: over the charge in
\* the v6.8 order ("sync_charge"), only over the read in 6.12's (its charge,
\* "sync_alloc", comes before the pin).
HolderPcs == {"lru_remove", "charge", "charge_retry", "add", "read", "map",
              "sync_charge", "sync_charge_retry", "sync_read"}

\* Actor b holds slot s: it set SWAP_HAS_CACHE and will clear it or hand the
\* slot on to an unlocked folio.
Holds(b, s) ==
    \E i \in 1..Len(stack[b]) :
      LET f == stack[b][i] IN
        \/ f.fn = "do_swap_page" /\ f.slot = s /\ f.pc \in HolderPcs
        \/ f.fn = "zswap_writeback_entry" /\ f.entry.slot = s
           /\ f.pc \in {"charge", "charge_retry", "write"}

\* Actor a can take no step until slot s changes.
BlockedOn(a, s) ==
    /\ stack[a] # <<>>
    /\ LET f == Top(a) IN
         \/ /\ f.fn = "do_swap_page" /\ f.slot = s /\ PageUnchanged(f)
            /\ \/ f.pc = "lookup" /\ swap_cache[s] = NoFolio /\ swap_map[s].has_cache /\ ~Bypasses(s)
               \/ f.pc = "hit_wait" /\ swap_cache[s] # NoFolio /\ swap_cache[s].locked
         \/ /\ f.fn = "zswap_writeback_entry" /\ f.entry.slot = s /\ f.pc = "prepare"
            /\ swap_cache[s] = NoFolio /\ InUse(s)
            /\ swap_map[s].has_cache /\ ~SkipIfExists

WaitsOn(a, b) == \E s \in Slots : BlockedOn(a, s) /\ Holds(b, s)

\* Actor a sleeps on the lock of a folio that left the swap cache still
\* locked (FolioStranded).  Not BlockedOn a slot: the folio is no slot's
\* any more, and whoever holds the slot now holds another folio.  No
\* actor holds this one, so a waits on nobody (no WaitsOn edge).
WaitsOnStrandedFolio(a) ==
    /\ stack[a] # <<>>
    /\ Top(a).fn = "do_swap_page"
    /\ Top(a).pc = "hit_stranded"

RECURSIVE Closure(_)
\* The actors reachable from the set S along WaitsOn.
Closure(S) == LET T == S \cup {b \in Actors : \E a \in S : WaitsOn(a, b)}
              IN IF T = S THEN S ELSE Closure(T)
WaitsTransitively(a) == Closure({b \in Actors : WaitsOn(a, b)})

(***************************************************************************)
(* Initial state: nothing swapped out.                                     *)
(***************************************************************************)
Init ==
    /\ swap_map = [s \in Slots |-> [count |-> 0, has_cache |-> FALSE]]
    /\ swapped_page = [s \in Slots |-> NoData]
    /\ swap_cache = [s \in Slots |-> NoFolio]
    /\ zswap_tree = [s \in Slots |-> NoEntry]
    /\ zswap_lru = <<>>
    /\ zswap_referenced = [s \in Slots |-> FALSE]
    /\ swap_device = [s \in Slots |-> NoData]
    /\ stack = [a \in Actors |-> <<>>]

(***************************************************************************)
(* Swap-in: do_swap_page -> __read_swap_cache_async -> swap_read_folio.    *)
(***************************************************************************)

\* [6.12 mm/memory.c:4232] do_swap_page(): "entry = pte_to_swp_entry(vmf->orig_pte);"
\* remember which page it is.
StartFault(t, s) ==
    /\ stack[t] = <<>>
    /\ InUse(s)
    /\ stack' = [stack EXCEPT ![t] = <<[fn |-> "do_swap_page", slot |-> s,
                    page |-> swapped_page[s], pc |-> "lookup",
                    lru_removed |-> FALSE]>>]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* [6.12 mm/memory.c:4418-4419] do_swap_page(): "if (unlikely(!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte))) goto out_nomap;"
\* another task mapped the page (and the slot may hold another page now).
\* swapoff: [6.12 mm/swapfile.c:2104-2108] unuse_pte(): "if (unlikely(!pte || !pte_same_as_swp(ptep_get(pte), swp_entry_to_pte(entry)))) { ret = 0; goto out; }"
\* also after the folio it waited for left the swap cache (pc "hit_gone").
PteChanged(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ \/ Top(t).pc \in {"lookup", "hit_wait", "sync_prepare", "sync_unpinned_read", "sync_unpinned_map"}
       \/ t \in Swapoffs /\ Top(t).pc = "hit_gone"
    /\ ~PageUnchanged(Top(t))
    /\ stack' = PopTop(t)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* [6.12 mm/memory.c:4378-4380] do_swap_page(): "if (unlikely(!folio_test_swapcache(folio) || page_swap_entry(page).val != entry.val)) goto out_page;"
\* the folio we found left the swap cache (FolioLeaves); the access faults
\* again.  Nobody holds the old folio's lock, and this check comes before
\* the pte_same() one, so the fault retries at once, even if another
\* (locked) folio holds the slot now or another task mapped the page.
RetryFault(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "hit_gone"
    /\ stack' = PopTop(t)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* [6.12 mm/swap_state.c:454-457] __read_swap_cache_async(): "folio = filemap_get_folio(swap_address_space(entry), swap_cache_index(entry)); if (!IS_ERR(folio)) goto got_folio;"
SwapCacheHit(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "lookup"
    /\ PageUnchanged(Top(t))
    /\ swap_cache[Top(t).slot] # NoFolio
    /\ stack' = SetTop(t, [Top(t) EXCEPT !.pc = "hit_wait"])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* [6.12 mm/swap_state.c:485-487] __read_swap_cache_async(): "err = swapcache_prepare(entry, 1); if (!err) break;"
\* With -EEXIST the kernel loops on [6.12 mm/swap_state.c:509]
\* "schedule_timeout_uninterruptible(1);": no step here, the task is BlockedOn the slot.
\* lru_remove: the patch takes the entry off the LRU in a step of its own
\* after this one (ZswapLruRemove).
\* swap_table (2025): the locked folio goes into the swap cache together
\* with the pin, before the charge.
SwapcachePrepare(t) ==
    LET f == Top(t)
        s == f.slot
    IN
    /\ TopIs(t, "do_swap_page")
    /\ f.pc = "lookup"
    /\ ~Bypasses(s) \/ t \in Swapoffs
    /\ PageUnchanged(f)
    /\ swap_cache[s] = NoFolio
    /\ ~swap_map[s].has_cache
    /\ swap_map' = SetPin(s, TRUE)
    /\ swap_cache' = IF SwapTable THEN [swap_cache EXCEPT ![s] = NewFolio]
                     ELSE swap_cache
    /\ stack' = SetTop(t, [f EXCEPT !.pc = IF LruRemove THEN "lru_remove" ELSE "charge"])
    /\ UNCHANGED <<swapped_page, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* SyncIO: [6.12 mm/memory.c:4288-4290] "if (!folio) { if (data_race(si->flags & SWP_SYNCHRONOUS_IO) && __swap_count(entry) == 1) {"
\* (SwapShared: a slot with use count 2 takes the swap cache.)
\* the lookup missed, the fault skips the swap cache (no
\* __read_swap_cache_async(): lru_remove's removal is not on this path).
\* 6.12 (rotate) allocates and charges first ("sync_alloc"); v6.8 pins
\* first ("sync_prepare").
SkipSwapcache(t) ==
    LET f == Top(t) IN
    /\ TopIs(t, "do_swap_page")
    /\ f.pc = "lookup"
    /\ Bypasses(f.slot) /\ t \notin Swapoffs
    /\ PageUnchanged(f)
    /\ swap_cache[f.slot] = NoFolio
    /\ stack' = SetTop(t, [f EXCEPT !.pc = IF Rotate \/ PinlessBypass THEN "sync_alloc" ELSE "sync_prepare"])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* The bypass pins the slot with SWAP_HAS_CACHE and puts no folio in the
\* swap cache: [6.12 mm/memory.c:4308-4318] "if (swapcache_prepare(entry, nr_pages)) {" ... "need_clear_cache = true;"
\* v6.8 [v6.8 13ddaf26be32 mm/memory.c] "if (swapcache_prepare(entry)) {" ... "need_clear_cache = true;"
\* v6.8's pin comes before the allocation and the charge (next pc
\* "sync_charge"), 6.12's after them ("sync_alloc"; next "sync_read").
\* Other faults on the page and writeback find no folio, only the pin.
SyncSwapcachePrepare(t) ==
    LET f == Top(t)
        s == f.slot
    IN
    /\ TopIs(t, "do_swap_page")
    /\ f.pc = "sync_prepare"
    /\ PageUnchanged(f)
    /\ ~swap_map[s].has_cache
    /\ swap_map' = SetPin(s, TRUE)
    /\ stack' = SetTop(t, [f EXCEPT !.pc = IF Rotate THEN "sync_read" ELSE "sync_charge"])
    /\ UNCHANGED <<swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* swapcache_prepare() failed (-EEXIST: another fault's bypass or a
\* writeback folio holds SWAP_HAS_CACHE): the fault backs out, the access
\* faults again.  No wait on the holder: [6.12 mm/memory.c:4313-4316]
\* "add_wait_queue(&swapcache_wq, &wait); schedule_timeout_uninterruptible(1); remove_wait_queue(&swapcache_wq, &wait);"
\* then "goto out_page;" (6.12 drops its charged folio); v6.8
\* [v6.8 13ddaf26be32 mm/memory.c] "schedule_timeout_uninterruptible(1); goto out;"
SwapcacheBusy(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "sync_prepare"
    /\ swap_map[Top(t).slot].has_cache
    /\ stack' = PopTop(t)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* lru_remove [patch <20230912001318.2437018-2-nphamcs@gmail.com> mm/swap_state.c]:
\* "zswap_lru_removed = zswap_remove_swpentry_from_lru(entry);"
\* The patch calls it in __read_swap_cache_async() after swapcache_prepare()
\* and "__folio_set_locked(folio); __folio_set_swapbacked(folio);", under
\* the LRU lock but not under the pin's: a walk can isolate the entry between
\* the two (then the removal finds it off the LRU, list_empty(), and
\* lru_removed stays FALSE).  It runs for every caller of
\* __read_swap_cache_async(); writeback's own call looks up the entry it
\* isolated itself, which is off the LRU, so there it changes nothing and
\* the model gives writeback no such step.
ZswapLruRemove(t) ==
    LET f == Top(t)
        e == zswap_tree[f.slot]
        removed == e # NoEntry /\ LruHas(e)
    IN
    /\ TopIs(t, "do_swap_page")
    /\ f.pc = "lru_remove"
    /\ zswap_lru' = IF removed THEN LruWithout(e) ELSE zswap_lru
    /\ stack' = SetTop(t, [f EXCEPT !.pc = "charge", !.lru_removed = removed])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_referenced, swap_device>>

\* [6.12 mm/swap_state.c:518-519] __read_swap_cache_async(): "if (mem_cgroup_swapin_charge_folio(new_folio, NULL, gfp_mask, entry)) goto fail_unlock;"
\* succeeds.
\* SyncIO: [6.12 mm/memory.c:4029-4030] __alloc_swap_folio(): "if (mem_cgroup_swapin_charge_folio(folio, vma->vm_mm, GFP_KERNEL, entry)) {"
\* the same charge (and reclaim) for the bypass's private folio; then the
\* pin (6.12, "sync_alloc") or the read (v6.8, "sync_charge").
SyncAllocPcs == {"sync_alloc", "sync_alloc_retry"}
SyncChargePcs == SyncAllocPcs \cup {"sync_charge", "sync_charge_retry"}
ChargeOk(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc \in {"charge", "charge_retry"} \cup SyncChargePcs
    /\ stack' = SetTop(t, [Top(t) EXCEPT !.pc =
                   IF @ \in SyncAllocPcs THEN (IF PinlessBypass THEN "sync_unpinned_read" ELSE "sync_prepare")
                   ELSE IF @ \in SyncChargePcs THEN "sync_read"
                   ELSE IF SwapTable THEN "read" ELSE "add"])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* [6.12 mm/memcontrol.c:2240-2241] try_charge_memcg(): "nr_reclaimed = try_to_free_mem_cgroup_pages(mem_over_limit, nr_pages, gfp_mask, reclaim_options, NULL);"
\* direct reclaim in this task, under mem_cgroup_swapin_charge_folio(); shrink_slab() ->
\* zswap_shrinker_scan() walks the zswap LRU.  Reclaim does not recurse (PF_MEMALLOC);
\* it happens at most once per fault (MAX_RECLAIM_RETRIES is abstracted to one).
ChargeReclaim(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc \in {"charge", "sync_alloc", "sync_charge"}
    /\ stack' = Push(t, [fn |-> "shrink_memcg_cb", budget |-> SCAN_BUDGET])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* [6.12 mm/swap_state.c:538-539] __read_swap_cache_async(): "fail_unlock: put_swap_folio(new_folio, entry);"
\* clears SWAP_HAS_CACHE; the fault returns VM_FAULT_OOM.  The bypass:
\* v6.8 jumps to out_page, which clears its pin as 6.12's still does
\* ([6.12 mm/memory.c:4641-4642] "if (need_clear_cache) { swapcache_clear(si, entry, nr_pages);");
\* 6.12 has no pin yet ([6.12 mm/memory.c:4031-4032] "folio_put(folio); return NULL;").
\* lru_remove [patch <20230912001318.2437018-2-nphamcs@gmail.com> mm/swap_state.c]:
\* "if (zswap_lru_removed) zswap_insert_swpentry_into_lru(entry);"
\* swapoff: swapin_readahead() returns NULL with the slot still in use, so
\* [6.12 mm/swapfile.c:2228-2232] unuse_pte_range(): "if (!folio) {" ... "return -ENOMEM;"
\* and try_to_unuse() fails: swapoff gives up and puts the device back
\* ([6.12 mm/swapfile.c:2828-2830] "if (err) { /* re-insert swap space back into swap_list */ reinsert_swap_info(p);"):
\* its frames go, SWP_WRITEOK is set again.
PopFault(t) == IF t \in Swapoffs THEN [stack EXCEPT ![t] = <<>>] ELSE PopTop(t)
ChargeFail(t) ==
    LET f == Top(t)
        s == f.slot
    IN
    /\ TopIs(t, "do_swap_page")
    /\ f.pc \in {"charge", "charge_retry"} \cup SyncChargePcs
    /\ swap_map' = IF f.pc \in SyncAllocPcs THEN swap_map ELSE SetPin(s, FALSE)
    /\ swap_cache' = IF SwapTable THEN [swap_cache EXCEPT ![s] = NoFolio]
                     ELSE swap_cache
    \* rotate: put_swap_folio() frees a slot whose use count went meanwhile
    \* (swapoff's UnusePoison can drop it under a fault's pin).
    /\ IF Rotate /\ f.pc \notin SyncAllocPcs
       THEN SlotFreedWithPin(s)
       ELSE /\ zswap_lru' = LruReinsert(f)
            /\ UNCHANGED <<zswap_tree, zswap_referenced, swap_device>>
    /\ stack' = IF SwapTable THEN FolioLeaves(PopFault(t), s) ELSE PopFault(t)
    /\ UNCHANGED swapped_page

\* [6.12 mm/swap_state.c:522] __read_swap_cache_async(): "if (add_to_swap_cache(new_folio, entry, gfp_mask & GFP_RECLAIM_MASK, &shadow))"
\* the locked, not uptodate folio becomes visible to lookups.
\* lru_remove [patch <20230912001318.2437018-2-nphamcs@gmail.com> mm/swap_state.c]:
\* "if (zswap_lru_removed) zswap_insert_swpentry_into_lru(entry);"
\* on the success path too, right after add_to_swap_cache(): the entry is
\* back on the LRU (at its tail, list_lru_add()) until swap_read_folio()'s
\* exclusive load frees it.
AddToSwapCache(t) ==
    LET f == Top(t)
        s == f.slot
    IN
    /\ TopIs(t, "do_swap_page")
    /\ f.pc = "add"
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NewFolio]
    /\ zswap_lru' = LruReinsert(f)
    /\ stack' = SetTop(t, [f EXCEPT !.pc = "read"])
    /\ UNCHANGED <<swap_map, swapped_page, zswap_tree, zswap_referenced, swap_device>>

\* [6.12 mm/page_io.c:634-636] swap_read_folio(): "} else if (zswap_load(folio)) { folio_unlock(folio); goto finish; }"
\* else the bdev read.  A swap-cache folio's load is exclusive (all loads are,
\* since do_swap_page here always reads into the swap cache):
\* [6.12 mm/zswap.c:1622-1636] zswap_load(): "if (swapcache) entry = xa_erase(tree, offset);" ... "zswap_entry_free(entry);"
\* The folio is unlocked after the load and locked again by do_swap_page's
\* [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);"; the model keeps it locked in between (spec/README.md,
\* "What is abstracted away": only another fault on the same page and
\* DropCleanFolio could act in that window, and neither pins or walks).
\* v6.8 with shared loads (~ExclusiveLoads): the entry stays in the tree and
\* moves to the LRU tail (zswap_lru_del(), then zswap_lru_add(); quoted at
\* ExclusiveLoads).  An entry a walk has isolated is not on the list
\* (list_lru_del() does nothing) and list_lru_add() adds it back, since its
\* list_head is empty: then a second walk can take it while the first still
\* holds it.  The folio is not marked dirty: clean, it can be dropped and
\* the data read again from zswap.
LoadRotate(e) == Append(LruWithout(e), e)
SwapReadFolio(t) ==
    LET s == Top(t).slot
        e == zswap_tree[s]
        d == IF e # NoEntry THEN e.data ELSE swap_device[s]
    IN
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "read"
    /\ swap_cache' = [swap_cache EXCEPT ![s] = [locked |-> TRUE, uptodate |-> TRUE, data |-> d]]
    /\ IF e = NoEntry THEN UNCHANGED <<zswap_tree, zswap_lru, zswap_referenced>>
       ELSE IF ExclusiveLoads THEN Invalidate(s)
       ELSE /\ zswap_lru' = LoadRotate(e)
            /\ UNCHANGED <<zswap_tree, zswap_referenced>>
    /\ stack' = SetTop(t, [Top(t) EXCEPT !.pc = "map"])
    /\ UNCHANGED <<swap_map, swapped_page, swap_device>>

\* The fault has the page's folio: either it filled it ("map") or another
\* actor did and the fault waited for it ("hit_wait", after
\* [6.12 mm/memory.c:4366] "ret |= folio_lock_or_retry(folio, vmf);").
CanMap(t) ==
    LET f == Top(t)
        s == f.slot
    IN
    /\ TopIs(t, "do_swap_page")
    /\ \/ f.pc = "map"
       \/ /\ f.pc = "hit_wait" /\ PageUnchanged(f)
          /\ swap_cache[s] # NoFolio
          /\ ~swap_cache[s].locked /\ swap_cache[s].uptodate

\* [6.12 mm/memory.c:4535-4537] do_swap_page(): "swap_free_nr(entry, nr_pages); if (should_try_to_free_swap(folio, vma, vmf->flags)) folio_free_swap(folio);"
\* The page is mapped with the folio's data; the slot is freed
\* (zswap_invalidate), the folio leaves the swap cache and the pin goes.
\* SwapShared, another PTE still holding the entry: swap_free drops this
\* PTE's reference only, and [6.12 mm/swapfile.c:1874-1875] folio_free_swap():
\* "if (folio_swapped(folio)) return false;" keeps the folio in the swap
\* cache, unlocked, with SWAP_HAS_CACHE, for the other PTE's fault; the
\* slot is not free, so no zswap_invalidate.
MapFolio(t) ==
    LET s == Top(t).slot IN
    /\ CanMap(t)
    /\ IF swap_map[s].count > 1
       THEN /\ swap_cache' = [swap_cache EXCEPT ![s].locked = FALSE]
            /\ swap_map' = [swap_map EXCEPT ![s].count = @ - 1]
            /\ stack' = PopTop(t)
            /\ UNCHANGED <<swapped_page, zswap_tree, zswap_lru, zswap_referenced, swap_device>>
       ELSE /\ swap_cache' = [swap_cache EXCEPT ![s] = NoFolio]
            /\ swap_map' = [swap_map EXCEPT ![s] = [count |-> 0, has_cache |-> FALSE]]
            /\ swapped_page' = [swapped_page EXCEPT ![s] = NoData]
            /\ Invalidate(s)
            /\ swap_device' = [swap_device EXCEPT ![s] = FreedDevice(s)]
            /\ stack' = FolioLeaves(PopTop(t), s)

\* [6.12 mm/memory.c:3931-3947] "static inline bool should_try_to_free_swap(struct folio *folio," ... "return (fault_flags & FAULT_FLAG_WRITE) && !folio_test_ksm(folio) && folio_ref_count(folio) == (1 + folio_nr_pages(folio));"
\* is false (a read fault with swap not full, the environment's choice):
\* the page is mapped, [6.12 mm/memory.c:4535] "swap_free_nr(entry, nr_pages);" drops the use
\* count, and the folio stays in the swap cache, unlocked, with
\* SWAP_HAS_CACHE set, until reclaim drops it (DropCleanFolio) or writes
\* it out again (SwapOutAgain).  Every variant: v6.8 has the same test,
\* since c145e0b47c77 (mm: streamline COW logic in do_swap_page, v5.19):
\* [v6.8 c145e0b47c77 mm/memory.c] "swap_free(entry); if (should_try_to_free_swap(folio, vma, vmf->flags)) folio_free_swap(folio);"
\* and [v6.8 c145e0b47c77 mm/memory.c] "return (fault_flags & FAULT_FLAG_WRITE) && !folio_test_ksm(folio) && folio_ref_count(folio) == 2;"
\* The slot is not free yet: zswap_invalidate() waits (DeferredInvalidate;
\* the v6.8 models with exclusive loads invalidate here, as at FreeSlot).
\* With exclusive loads there is no entry left anyway; a shared load left
\* one, which stays until the slot is freed or stored again.
MapFolioKeepCache(t) ==
    LET s == Top(t).slot IN
    /\ CanMap(t)
    /\ swap_map[s].count = 1   \* SwapShared: with another reference MapFolio keeps the folio anyway
    /\ swap_cache' = [swap_cache EXCEPT ![s].locked = FALSE]
    /\ swap_map' = [swap_map EXCEPT ![s].count = 0]
    /\ swapped_page' = [swapped_page EXCEPT ![s] = NoData]
    /\ IF InvalidatesNow(s)
       THEN /\ Invalidate(s)
            /\ swap_device' = [swap_device EXCEPT ![s] = FreedDevice(s)]
       ELSE UNCHANGED <<zswap_tree, zswap_lru, zswap_referenced, swap_device>>
    /\ stack' = PopTop(t)

\* The bypass's read, map and unpin, in one step:
\* [6.12 mm/memory.c:4329-4330] "folio->swap = entry; swap_read_folio(folio, NULL);"
\* into the private folio, then [6.12 mm/memory.c:4535] "swap_free_nr(entry, nr_pages);"
\* and [6.12 mm/memory.c:4621-4623] "/* Clear the swap cache pin for direct swapin after PTL unlock */ if (need_clear_cache) { swapcache_clear(si, entry, nr_pages);"
\* which frees the slot (zswap_invalidate).  The load is not exclusive:
\* [6.12 mm/zswap.c:1621-1624] "if (swapcache) entry = xa_erase(tree, offset); else entry = xa_load(tree, offset);"
\* so the entry stays in the tree until swapcache_clear() frees the slot
\* ([6.12 mm/swapfile.c:1520-1521] "if (!usage) free_swap_slot(entry);");
\* bug 25cd241408a2's exclusive load frees it at the read: the same end
\* state here (SyncPteChanged is where they differ).  One step is sound:
\* while the pin is held nothing changes the slot's tree entry or device
\* bytes (writeback can neither pin nor find a folio, FreeSlot waits for
\* the fault, SwapOut for the pin), so the read gives the same data at the
\* map, and the private folio is seen by nobody.
\* Bug 13ddaf26be32 (PinlessBypass): no pin, so the read and the map are
\* steps of their own (SyncReadFolio, then SyncMapFolio at pc
\* "sync_unpinned_map"), and the map's pte_same() passes whenever the PTE
\* holds the swap entry s again, whatever page it now stands for: the slot
\* is in use (InUse) and no pin keeps it from having been freed and reused
\* in between.  The map maps what the read gave (the frame's page, see
\* SyncReadFolio); swap_free() drops the use count, and the slot is freed
\* (zswap_invalidate) only if nobody else holds SWAP_HAS_CACHE (a
\* writeback's folio may: nothing keeps writeback out either).
SyncReadData(s) == IF zswap_tree[s] # NoEntry THEN zswap_tree[s].data ELSE swap_device[s]
SyncMapFolio(t) ==
    LET s == Top(t).slot IN
    /\ TopIs(t, "do_swap_page")
    /\ \/ Top(t).pc = "sync_read"
       \/ Top(t).pc = "sync_unpinned_map" /\ InUse(s)
    /\ IF Top(t).pc = "sync_read"
       THEN /\ swap_map' = [swap_map EXCEPT ![s] = [count |-> 0, has_cache |-> FALSE]]
            /\ Invalidate(s)
            /\ swap_device' = [swap_device EXCEPT ![s] = FreedDevice(s)]
       ELSE /\ swap_map' = [swap_map EXCEPT ![s].count = 0]
            /\ IF InvalidatesNow(s)
               THEN /\ Invalidate(s)
                    /\ swap_device' = [swap_device EXCEPT ![s] = FreedDevice(s)]
               ELSE UNCHANGED <<zswap_tree, zswap_lru, zswap_referenced, swap_device>>
    /\ swapped_page' = [swapped_page EXCEPT ![s] = NoData]
    /\ stack' = PopTop(t)
    /\ UNCHANGED swap_cache

\* Bug 13ddaf26be32: the pin-less bypass reads into its private folio,
\* [6.12 mm/memory.c:4329-4330] "folio->swap = entry; swap_read_folio(folio, NULL);"
\* (before the fix the same read, then named swap_readpage()), with no pin: another fault on the page may be anywhere in its own
\* bypass.  The load is not exclusive (ASSUME above), so nothing changes
\* but the fault's pc.  The read is taken while the PTE still holds the
\* page the fault started on, and then gives that page's data (NoStaleData
\* checks it; the frame's page is what the private folio holds).  Where
\* the page has changed (another thread mapped it, its slot was freed and
\* maybe reused) the fault backs out (PteChanged): the kernel would read
\* whatever the slot holds by then and back out at the pte_same() check
\* unless the slot came back to this PTE; those reads (zram's discarded
\* slot in the commit message, or the new page's data) are not modelled,
\* an under-approximation of the bug (README "The pin-less bypass").
SyncReadFolio(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "sync_unpinned_read"
    /\ PageUnchanged(Top(t))
    /\ stack' = SetTop(t, [Top(t) EXCEPT !.pc = "sync_unpinned_map"])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* The bypass read into its private folio, but the PTE no longer holds the
\* entry: [6.12 mm/memory.c:4418-4419] "if (unlikely(!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte))) goto out_nomap;"
\* then [6.12 mm/memory.c:4633-4642] "out_page: folio_unlock(folio); out_release: folio_put(folio);" ...
\* "if (need_clear_cache) { swapcache_clear(si, entry, nr_pages);": the private
\* folio is freed with the data it read, the pin goes, and the slot, still
\* in use, keeps its use count (v6.8 the same: [v6.8 13ddaf26be32 mm/memory.c]
\* "if (need_clear_cache) swapcache_clear(si, entry);").
\* Who changed the PTE while the slot stays in use (the environment's
\* choice here, as should_try_to_free_swap() is for MapFolioKeepCache):
\* UFFDIO_MOVE of the swap PTE to another address (v6.8+, under mmap_lock
\* for read or the VMA locks, so while the fault runs):
\* [6.12 mm/userfaultfd.c:1129-1133] "orig_src_pte = ptep_get_and_clear(mm, src_addr, src_pte);" ... "set_pte_at(mm, dst_addr, dst_pte, orig_src_pte);"
\* The entry moves, the use count and the data do not; a fault at the new
\* address is a new StartFault on the same slot.  6.12 refuses the move
\* while SWAP_HAS_CACHE is set ([6.12 mm/userfaultfd.c:1123-1126]
\* "if (READ_ONCE(si->swap_map[swp_offset(entry)]) & SWAP_HAS_CACHE) { double_pt_unlock(dst_ptl, src_ptl); return -EAGAIN; }"),
\* so there it happens before the bypass's swapcache_prepare() (6.12 pins
\* after the charge); v6.8's move_swap_pte() had no such check.  The model
\* has no PTE addresses, so the move's only effect in its state is this
\* failed check, which is where the choice is made.  (A zap under
\* mmap_lock for read, MADV_DONTNEED, also fails the check, but drops the
\* use count: the data are no longer wanted, nothing to lose.)
\* Bug 25cd241408a2: the load was exclusive, the entry is gone with the
\* folio, and the slot in use has its data nowhere (NoDataLoss).
SyncPteChanged(t) ==
    LET s == Top(t).slot IN
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "sync_read"
    /\ swap_map' = SetPin(s, FALSE)
    \* swapcache_clear() frees a slot whose use count went meanwhile (swapoff's
    \* UnusePoison can drop it under the pin), as put_swap_folio() does (ChargeFail).
    /\ IF ExclusiveBypassLoad /\ zswap_tree[s] # NoEntry
       THEN /\ Invalidate(s)
            /\ UNCHANGED swap_device
       ELSE SlotFreedWithPin(s)
    /\ stack' = PopTop(t)
    /\ UNCHANGED <<swapped_page, swap_cache>>

(***************************************************************************)
(* swapoff(2): try_to_unuse() swaps every page in through the swap-in     *)
(* path, then zswap_swapoff() frees the tree (README "Swapoff").  Only    *)
(* with Swapoffs # {}.                                                    *)
(***************************************************************************)

\* The device is on and takes new swap entries (SWP_WRITEOK).
SwapWriteOk == \A o \in Swapoffs : stack[o] = <<>>
\* zswap_swapoff() has freed the device's zswap tree.
TreeFreed == \E o \in Swapoffs : stack[o] # <<>> /\ stack[o][1].pc = "off"
\* swapoff's unuse_pte_range() is swapping slot s in; it holds the mm's
\* mmap_lock for read ([6.12 mm/swapfile.c:2342] unuse_mm(): "mmap_read_lock(mm);").
UnusesSlot(o, s) == Len(stack[o]) >= 2 /\ stack[o][2].slot = s

\* [6.12 mm/swapfile.c:2818] swapoff(): "p->flags &= ~SWP_WRITEOK;"
\* then [6.12 mm/swapfile.c:2825] "err = try_to_unuse(p->type);": no new
\* slot is handed out (SwapOut waits for SwapWriteOk).  One device: a
\* second swapoff finds none.
SwapoffStart(o) ==
    /\ \A p \in Swapoffs : stack[p] = <<>>
    /\ stack' = [stack EXCEPT ![o] = <<[fn |-> "swapoff", pc |-> "unuse"]>>]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* try_to_unuse() -> unuse_mm() -> unuse_pte_range() meets a PTE that holds
\* slot s: [6.12 mm/swapfile.c:2216] "folio = swap_cache_get_folio(entry, vma, addr);"
\* else [6.12 mm/swapfile.c:2225] "folio = swapin_readahead(entry, GFP_HIGHUSER_MOVABLE,"
\* whose __read_swap_cache_async() is the swap-in path of do_swap_page()
\* (lookup, pin, charge that may reclaim, add, swap_read_folio()), then
\* [6.12 mm/swapfile.c:2235-2237] "folio_lock(folio); folio_wait_writeback(folio); ret = unuse_pte(vma, pmd, addr, entry, folio);"
\* The frame is the contract's swap-in frame, so the steps are the same
\* (SwapCacheHit ... MapFolio; never MapFolioKeepCache: unuse_pte_range()
\* always calls [6.12 mm/swapfile.c:2244] "folio_free_swap(folio);").
\* try_to_unuse()'s second loop over slots that only a swap-cache folio
\* holds ([6.12 mm/swapfile.c:2457-2459] "folio_lock(folio); folio_wait_writeback(folio); folio_free_swap(folio);")
\* has DropCleanFolio's effect, and DropCleanFolio stands for it.
UnuseSlot(o, s) ==
    /\ stack[o] = <<[fn |-> "swapoff", pc |-> "unuse"]>>
    /\ swap_map[s].count = 1
    /\ stack' = [stack EXCEPT ![o] = Append(@, [fn |-> "do_swap_page", slot |-> s,
                    page |-> swapped_page[s], pc |-> "lookup", lru_removed |-> FALSE])]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* The folio unuse_pte_range() waited for left the swap cache while it
\* slept in folio_lock() (writeback's failed re-check: WbEntryGone), and
\* the PTE still holds the slot.  Unlike do_swap_page(), unuse_pte_range()
\* does not check folio_test_swapcache() after the lock: unuse_pte() sees
\* a folio that is not uptodate, as after a read error, and poisons the
\* PTE: [6.12 mm/swapfile.c:2112] "if (unlikely(hwpoisoned || !folio_test_uptodate(folio))) {"
\* ... [6.12 mm/swapfile.c:2119] "swp_entry = make_poisoned_swp_entry();"
\* ... [6.12 mm/swapfile.c:2170] "swap_free(entry);": the page's data is gone.
UnusePoison(o) ==
    LET f == Top(o)
        s == f.slot
    IN
    /\ o \in Swapoffs
    /\ ~UnuseMatchesSwapEntry
    /\ TopIs(o, "do_swap_page")
    /\ f.pc = "hit_gone"
    /\ PageUnchanged(f)
    /\ swap_map' = [swap_map EXCEPT ![s].count = 0]
    /\ swapped_page' = [swapped_page EXCEPT ![s] = NoData]
    /\ IF InvalidatesNow(s)
       THEN /\ Invalidate(s)
            /\ swap_device' = [swap_device EXCEPT ![s] = FreedDevice(s)]
       ELSE UNCHANGED <<zswap_tree, zswap_lru, zswap_referenced, swap_device>>
    /\ stack' = PopTop(o)
    /\ UNCHANGED swap_cache

\* v6.18's unuse_pte() (UnuseMatchesSwapEntry, above): the folio left the
\* swap cache while folio_lock() slept; return 0, PTE and slot untouched.
UnuseFolioGone(o) ==
    /\ o \in Swapoffs
    /\ UnuseMatchesSwapEntry
    /\ TopIs(o, "do_swap_page")
    /\ Top(o).pc = "hit_gone"
    /\ PageUnchanged(Top(o))
    /\ stack' = PopTop(o)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* try_to_unuse() returned 0: no slot is in use, neither by a PTE nor by
\* SWAP_HAS_CACHE (si->inuse_pages is 0).  Then
\* [6.12 mm/swapfile.c:2845-2847] "percpu_ref_kill(&p->users); synchronize_rcu(); wait_for_completion(&p->comp);"
\* waits for every get_swap_device() reference: do_swap_page() holds one
\* from [6.12 mm/memory.c:4279] "si = get_swap_device(entry);" to its end,
\* so no task may be faulting.  Writeback holds one only inside
\* __read_swap_cache_async() ([6.12 mm/swap_state.c:443-445] "si = get_swap_device(entry); if (!si) return NULL;"),
\* within one step.  Then [6.12 mm/swapfile.c:2886] "zswap_swapoff(p->type);"
\* frees the tree: [6.12 mm/zswap.c:1684-1687] "for (i = 0; i < nr_zswap_trees[type]; i++) WARN_ON_ONCE(!xa_empty(trees + i)); kvfree(trees);"
\* The device stays off (no swapon).
ZswapSwapoff(o) ==
    /\ stack[o] = <<[fn |-> "swapoff", pc |-> "unuse"]>>
    /\ \A s \in Slots : swap_map[s].count = 0 /\ ~swap_map[s].has_cache
    /\ \A t \in Tasks : stack[t] = <<>>
    /\ stack' = [stack EXCEPT ![o] = <<[fn |-> "swapoff", pc |-> "off"]>>]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

(***************************************************************************)
(* Writeback: shrink_worker / zswap_shrinker_scan -> list_lru_walk_one ->  *)
(* shrink_memcg_cb -> zswap_writeback_entry.                               *)
(***************************************************************************)

\* [6.12 mm/zswap.c:1358-1359] shrink_memcg(): "shrunk += list_lru_walk_one(&zswap_list_lru, nid, memcg, &shrink_memcg_cb, NULL, &nr_to_walk);"
\* from shrink_worker(); SCAN_BUDGET stands for the worker's repeated calls.
ShrinkWorker(k) ==
    /\ stack[k] = <<>>
    /\ zswap_lru # <<>>
    /\ stack' = [stack EXCEPT ![k] = <<[fn |-> "shrink_memcg_cb", budget |-> SCAN_BUDGET]>>]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* The walk restarts from the head after every entry (LRU_RETRY /
\* LRU_REMOVED_RETRY: [6.12 mm/list_lru.c:255-261] "case LRU_RETRY:" ... "goto restart;"),
\* so it always takes the oldest entry.
\* v6.8 [v6.8 e8f897f4afef mm/zswap.c] shrink_memcg_cb(): "list_lru_isolate(l, item);" ... "spin_unlock(lock);"
\* takes the entry off the LRU.  With bug 27d3969b47cc the walk of
\* zswap_shrinker_scan() (a task's reclaim: it passes
\* encountered_page_in_swapcache) remembers the next node,
\* list_for_each_safe()'s "n", as the cursor to continue from.
\* rotate: the referenced entries at the head get their second chance
\* first (LeadingReferenced), then [6.12 mm/zswap.c:1194] "list_move_tail(item, &l->list);"
\* keeps the entry on the LRU, at the tail, while it is written back
\* ([6.12 mm/zswap.c:1207] "spin_unlock(lock);"), each entry costing one of
\* [6.12 mm/list_lru.c:230-232] "if (!*nr_to_walk) break; --*nr_to_walk;".
LruIsolate(a) ==
    LET w == Top(a)
        r == IF Rotate THEN LeadingReferenced ELSE 0
        lru == IF Rotate THEN RotateLru(r) ELSE zswap_lru
        e == Head(lru)
        cursor == IF LruSkipBug /\ ScanWalk(a, Len(stack[a])) /\ Len(zswap_lru) > 1
                  THEN zswap_lru[2] ELSE NoEntry
    IN
    /\ TopIs(a, "shrink_memcg_cb")
    /\ zswap_lru # <<>>
    /\ w.budget > r
    /\ zswap_lru' = IF Rotate THEN Append(Tail(lru), e) ELSE Tail(lru)
    /\ zswap_referenced' = ClearReferenced(r)
    /\ stack' = [stack EXCEPT ![a] =
                   Append(Popped(a), [w EXCEPT !.budget = @ - r - 1]) \o
                   <<[fn |-> "zswap_writeback_entry", entry |-> e,
                      pc |-> "prepare", cursor |-> cursor]>>]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, swap_device>>

\* Back in try_charge_memcg(), a task (or the worker's writeback, whose
\* charge reclaimed) retries its charge; the worker's own walk is done.
\* The frame returned to is the highest one charging (pc "charge": the
\* walk's frames sit above it); MCZswap's folded steps call this with the
\* walk's writeback still on top, or with the walk not pushed yet.
WalkReturn(a) ==
    LET charging == {i \in 1..Len(stack[a]) :
                       stack[a][i].fn # "shrink_memcg_cb"
                       /\ stack[a][i].pc \in {"charge", "sync_alloc", "sync_charge"}}
    IN IF charging = {} THEN <<>>
       ELSE LET i == CHOOSE j \in charging : \A k \in charging : k <= j
            IN [SubSeq(stack[a], 1, i) EXCEPT ![i].pc = @ \o "_retry"]

\* The walk ends: the list is empty, or [6.12 mm/list_lru.c:230-231]
\* "if (!*nr_to_walk) break;" (rotate: possibly after spending the rest of
\* the budget on referenced entries).
ShrinkDone(a) ==
    LET w == Top(a)
        r == IF Rotate /\ zswap_lru # <<>> /\ w.budget <= LeadingReferenced
             THEN w.budget ELSE 0
    IN
    /\ TopIs(a, "shrink_memcg_cb")
    /\ \/ w.budget = 0
       \/ zswap_lru = <<>>
       \/ Rotate /\ w.budget <= LeadingReferenced
    /\ zswap_lru' = RotateLru(r)
    /\ zswap_referenced' = ClearReferenced(r)
    /\ stack' = [stack EXCEPT ![a] = WalkReturn(a)]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, swap_device>>

WbTop(a, pc) == TopIs(a, "zswap_writeback_entry") /\ Top(a).pc = pc

\* zswap_writeback_entry() failed (-EEXIST, -ENOMEM).  v6.8: shrink_memcg_cb
\* puts the entry back (WbPutback), with the cursor to continue from on
\* -EEXIST (bug 27d3969b47cc) or none.  rotate: nothing to put back (the
\* entry is at the tail already); [6.12 mm/zswap.c:1213-1221] "ret = LRU_RETRY;" ...
\* "if (writeback_result == -EEXIST && encountered_page_in_swapcache) { ret = LRU_STOP;"
\* where only zswap_shrinker_scan() (reclaim: ScanWalk) passes the flag:
\* [6.12 mm/zswap.c:1244-1245] "shrink_ret = list_lru_shrink_walk(&zswap_list_lru, sc, &shrink_memcg_cb, &encountered_page_in_swapcache);"
\* LRU_STOP ends the walk ([6.12 mm/list_lru.c:262-264] "case LRU_STOP:" ... "goto out;"):
\* its budget goes to 0 (LruStop; the deep models fold the walk's return in).
LruStop(a) ==
    LET walk == Popped(a) IN [stack EXCEPT ![a] = [walk EXCEPT ![Len(walk)].budget = 0]]
WbFailed(a, eexist, keep_cursor) ==
    IF Rotate
    THEN IF eexist /\ ScanWalk(a, Len(Popped(a)))
         THEN LruStop(a)
         ELSE PopTop(a)
    ELSE SetTop(a, [Top(a) EXCEPT !.pc = "putback",
                                  !.cursor = IF keep_cursor THEN @ ELSE NoEntry])

\* [6.12 mm/zswap.c:1083-1086] zswap_writeback_entry(): "if (!folio_was_allocated) { folio_put(folio); return -EEXIST; }"
\* (__read_swap_cache_async found a folio in the swap cache.)
WbFolioExists(a) ==
    /\ WbTop(a, "prepare")
    /\ swap_cache[TopSlot(a)] # NoFolio
    /\ stack' = WbFailed(a, TRUE, TRUE)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* [6.12 mm/swap_state.c:467-468] __read_swap_cache_async(): "if (!swap_swapcount(si, entry) && swap_slot_cache_enabled) goto put_and_return;"
\* -> [6.12 mm/zswap.c:1072-1073] "if (!folio) return -ENOMEM;": the slot was freed meanwhile.
\* -ENOMEM makes shrink_memcg_cb return LRU_RETRY: no cursor to continue from.
\* After swapoff every slot is free, and [6.12 mm/swap_state.c:443-445]
\* "si = get_swap_device(entry); if (!si) return NULL;" fails first: the
\* same -ENOMEM, and 6.12's writeback has touched no tree.
WbSlotFreed(a) ==
    /\ WbTop(a, "prepare")
    /\ swap_cache[TopSlot(a)] = NoFolio
    /\ swap_map[TopSlot(a)].count = 0
    /\ stack' = WbFailed(a, FALSE, FALSE)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* [6.12 mm/swap_state.c:476-479] __read_swap_cache_async(): "if (!new_folio) { new_folio = folio_alloc_mpol(gfp_mask, 0, mpol, ilx, numa_node_id()); if (!new_folio) goto put_and_return;"
\* The folio is allocated before the pin is tried, so writeback can fail
\* with -ENOMEM whoever holds it (v6.8 too: [v6.8 e8f897f4afef mm/swap_state.c]
\* "folio = (struct folio *)alloc_pages_mpol(gfp_mask, 0, mpol, ilx, numa_node_id()); if (!folio) goto fail_put_swap;").
\* 6.12 allocates once ("if (!new_folio)"): a writer looping on a held pin
\* (no skip_if_exists) has its folio and fails no more.  v6.8 allocates
\* on every turn of the loop; the model does not let a waiting writer fail
\* either, or fairness would make an allocation failure its way out.
WbAllocFail(a) ==
    /\ WbTop(a, "prepare")
    /\ swap_cache[TopSlot(a)] = NoFolio
    /\ InUse(TopSlot(a))
    /\ ~swap_map[TopSlot(a)].has_cache \/ SkipIfExists
    /\ stack' = WbFailed(a, FALSE, FALSE)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* [6.12 mm/swap_state.c:499-500] __read_swap_cache_async(): "if (skip_if_exists) goto put_and_return;"
\* (a65b0e7607cc) swapcache_prepare() said -EEXIST but no folio is cached yet: give up.
WbSkipBusy(a) ==
    /\ WbTop(a, "prepare")
    /\ swap_cache[TopSlot(a)] = NoFolio
    /\ InUse(TopSlot(a))
    /\ swap_map[TopSlot(a)].has_cache
    /\ SkipIfExists
    /\ stack' = WbFailed(a, FALSE, FALSE)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* __read_swap_cache_async() allocated: [6.12 mm/swap_state.c:485-487] "err = swapcache_prepare(entry, 1); if (!err) break;"
\* then [6.12 mm/swap_state.c:518-519] "if (mem_cgroup_swapin_charge_folio(new_folio, NULL, gfp_mask, entry)) goto fail_unlock;"
\* then [6.12 mm/swap_state.c:522] "if (add_to_swap_cache(new_folio, entry, gfp_mask & GFP_RECLAIM_MASK, &shadow))"
\* fails not: pin and locked folio in one step.  The charge between them
\* never reclaims and never fails when the writer runs inside reclaim,
\* which set PF_MEMALLOC: [6.12 mm/vmscan.c:6628] try_to_free_mem_cgroup_pages():
\* "noreclaim_flag = memalloc_noreclaim_save();" (direct reclaim and
\* kswapd alike: [6.12 mm/vmscan.c:7223] "tsk->flags |= PF_MEMALLOC | PF_KSWAPD;"),
\* and [6.12 mm/memcontrol.c:2214-2215] try_charge_memcg(): "if (unlikely(current->flags & PF_MEMALLOC)) goto force;".
\* shrink_worker() runs on a workqueue, [6.12 mm/zswap.c:1763-1764]
\* "shrink_wq = alloc_workqueue("zswap-shrink", WQ_UNBOUND|WQ_MEM_RECLAIM, 1);":
\* a kworker without PF_MEMALLOC.  With WORKER_CHARGE_RECLAIM its own
\* walk's writeback (WorkerCharges) pins only, and charges in steps of its
\* own (WbChargeOk, WbChargeReclaim, WbChargeFail) with the pin held and
\* no folio in the swap cache yet.  v6.8 has the same order,
\* [v6.8 e8f897f4afef mm/swap_state.c] "if (mem_cgroup_swapin_charge_folio(folio, NULL, gfp_mask, entry)) goto fail_unlock;"
\* between swapcache_prepare() and add_to_swap_cache(), and shrink_worker()
\* is a work item there too: the flag applies to every variant.
WorkerCharges(a) == WORKER_CHARGE_RECLAIM /\ a \in Shrinkers /\ Len(stack[a]) = 2

WbAllocFolio(a) ==
    LET s == TopSlot(a) IN
    /\ WbTop(a, "prepare")
    /\ swap_cache[s] = NoFolio
    /\ InUse(s)
    /\ ~swap_map[s].has_cache
    /\ swap_map' = SetPin(s, TRUE)
    /\ swap_cache' = IF WorkerCharges(a) THEN swap_cache
                     ELSE [swap_cache EXCEPT ![s] = NewFolio]
    /\ stack' = SetTop(a, [Top(a) EXCEPT !.pc = IF WorkerCharges(a) THEN "charge" ELSE "write"])
    /\ UNCHANGED <<swapped_page, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* The worker's charge succeeds: [6.12 mm/swap_state.c:522] "if (add_to_swap_cache(new_folio, entry, gfp_mask & GFP_RECLAIM_MASK, &shadow))"
\* fails not; the locked folio becomes visible.
WbChargeOk(a) ==
    LET s == TopSlot(a) IN
    /\ WbTop(a, "charge") \/ WbTop(a, "charge_retry")
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NewFolio]
    /\ stack' = SetTop(a, [Top(a) EXCEPT !.pc = "write"])
    /\ UNCHANGED <<swap_map, swapped_page, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* The worker's charge is to the memcg that swapped the page out,
\* [6.12 mm/memcontrol.c:4638-4640] mem_cgroup_swapin_charge_folio(): "id = lookup_swap_cgroup_id(entry); rcu_read_lock(); memcg = mem_cgroup_from_id(id);"
\* (the one memcg here), and enters reclaim in the kworker:
\* try_charge_memcg() -> try_to_free_mem_cgroup_pages() (quoted at ChargeReclaim)
\* -> [6.12 mm/vmscan.c:5953-5954] shrink_node_memcgs(): "shrink_slab(sc->gfp_mask, pgdat->node_id, memcg, sc->priority);"
\* -> zswap_shrinker_scan(): a nested walk of the same LRU, with the pin
\* held and no folio in the swap cache.  Its writeback has PF_MEMALLOC
\* (memalloc_noreclaim_save() above): it charges in one step and never
\* reclaims again.  It passes encountered_page_in_swapcache (LRU_STOP on
\* -EEXIST, WbFailed).  At most once per writeback, like a fault's.
WbChargeReclaim(a) ==
    /\ WbTop(a, "charge")
    /\ stack' = Push(a, [fn |-> "shrink_memcg_cb", budget |-> SCAN_BUDGET])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device>>

\* The worker's charge fails ([6.12 mm/memcontrol.c:2301-2303] "if (!(gfp_mask & (__GFP_NOFAIL | __GFP_HIGH))) { ret = -ENOMEM; goto out; }"
\* with GFP_KERNEL): [6.12 mm/swap_state.c:538-539] "fail_unlock: put_swap_folio(new_folio, entry);"
\* clears the pin, __read_swap_cache_async() returns NULL and
\* [6.12 mm/zswap.c:1072-1073] zswap_writeback_entry(): "if (!folio) return -ENOMEM;".
\* rotate: a slot whose use count went meanwhile is freed now.
WbChargeFail(a) ==
    LET s == TopSlot(a) IN
    /\ WbTop(a, "charge") \/ WbTop(a, "charge_retry")
    /\ swap_map' = SetPin(s, FALSE)
    /\ SlotFreedWithPin(s)
    /\ stack' = WbFailed(a, FALSE, FALSE)
    /\ UNCHANGED <<swapped_page, swap_cache>>

\* The re-check that 04fc7816089c added: the entry was invalidated (and the
\* slot maybe reused) while the LRU lock was dropped.
\* v6.8 [v6.8 e8f897f4afef mm/zswap.c] zswap_writeback_entry(): "if (zswap_rb_search(&tree->rbroot, swp_offset(swpentry)) != entry) {"
\* 6.12 [6.12 mm/zswap.c:1097-1102] "if (entry != xa_cmpxchg(tree, offset, entry, NULL, GFP_KERNEL)) { delete_from_swap_cache(folio); folio_unlock(folio); folio_put(folio); return -ENOMEM; }"
\* rotate: delete_from_swap_cache() puts the folio's swap reference; a slot
\* freed meanwhile (FreeSlot deferred its invalidation) is freed now.
\* With bug e3b63e966cac (NoFolioCleanupBug) the folio leaves the swap
\* cache still locked and writeback returns: FolioStranded.
WbEntryGone(a) ==
    LET s == TopSlot(a) IN
    /\ WbTop(a, "write")
    /\ zswap_tree[s] # Top(a).entry
    /\ ~NoEntryRecheck
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NoFolio]
    /\ swap_map' = SetPin(s, FALSE)
    /\ SlotFreedWithPin(s)
    /\ stack' = IF NoFolioCleanupBug THEN FolioStranded(WbFailed(a, FALSE, FALSE), s)
                ELSE FolioLeaves(WbFailed(a, FALSE, FALSE), s)
    /\ UNCHANGED swapped_page

\* v6.8 [v6.8 e8f897f4afef mm/zswap.c] zswap_writeback_entry(): "__zswap_load(entry, &folio->page);" ... "__swap_writepage(folio, &wbc);"
\* then shrink_memcg_cb() frees the entry if it is still in the tree.
\* 6.12: the successful xa_cmpxchg() took the entry out of the tree; then
\* [6.12 mm/zswap.c:1104-1119] "zswap_decompress(entry, folio);" ... "zswap_entry_free(entry);" ... "folio_mark_uptodate(folio);" ... "__swap_writepage(folio, &wbc);"
\* which unlocks the folio as the write starts ([6.12 mm/page_io.c:382-383]
\* "folio_start_writeback(folio); folio_unlock(folio);"): uptodate, under writeback.  Without the re-check
\* (bug 04fc7816089c) the entry's data is written even if the slot now
\* holds another page.
WbWrite(a) ==
    LET s == TopSlot(a)
        e == Top(a).entry
    IN
    /\ WbTop(a, "write")
    /\ zswap_tree[s] = e \/ NoEntryRecheck
    /\ swap_cache' = [swap_cache EXCEPT ![s] = [locked |-> FALSE, uptodate |-> TRUE, data |-> e.data]]
    /\ swap_device' = [swap_device EXCEPT ![s] = DeviceWrite(s, e.data)]
    /\ IF zswap_tree[s] = e THEN Invalidate(s) ELSE UNCHANGED <<zswap_tree, zswap_lru, zswap_referenced>>
    /\ stack' = PopTop(a)
    /\ UNCHANGED <<swap_map, swapped_page>>

\* [v6.8 e8f897f4afef mm/zswap.c] shrink_memcg_cb(): "zswap_lru_putback(&entry->pool->list_lru, entry);"
\* on failure, then "ret = LRU_RETRY;".  An entry invalidated meanwhile is
\* freed by the final zswap_entry_put(), so only a live entry ends up back
\* on the LRU.  v6.8 puts it at the tail; PUTBACK = "head" is what the
\* thread argued against.  rotate has no put-back (the failure pops).
WbPutback(a) ==
    LET s == TopSlot(a)
        e == Top(a).entry
    IN
    /\ WbTop(a, "putback")
    \* list_lru_putback() adds only an entry whose list_head is empty: a shared
    \* load (~ExclusiveLoads) may have put it back on the LRU already.
    /\ zswap_lru' = IF zswap_tree[s] # e \/ LruHas(e) THEN zswap_lru
                    ELSE IF PUTBACK = "tail" THEN Append(zswap_lru, e)
                    ELSE <<e>> \o zswap_lru
    /\ stack' = PopTop(a)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_referenced, swap_device>>

(***************************************************************************)
(* Environment: the rest of mm.                                            *)
(***************************************************************************)

\* v6.8 [v6.8 e8f897f4afef mm/zswap.c] zswap_store(): "zswap_rb_insert(&tree->rbroot, entry, &dupentry)" ... "zswap_lru_add(&entry->pool->list_lru, entry);"
\* 6.12 [6.12 mm/zswap.c:1518-1520] "entry->referenced = true;" ... "old = xa_store(tree, offset, entry, GFP_KERNEL);"
\* and [6.12 mm/zswap.c:1555] "zswap_lru_add(&zswap_list_lru, entry);"
\* for a page that swap_writepage() put in a free slot.  The swap cache
\* folio that carried it there is already gone (reclaim freed it).
SwapOut(s, v) ==
    /\ SwapWriteOk
    /\ swap_map[s].count = 0
    /\ ~swap_map[s].has_cache
    /\ IsFreshVersion(v)
    /\ swap_map' = [swap_map EXCEPT ![s].count = 1]
    /\ swapped_page' = [swapped_page EXCEPT ![s] = v]
    /\ zswap_tree' = [zswap_tree EXCEPT ![s] = [slot |-> s, data |-> v]]
    /\ zswap_lru' = Append(zswap_lru, [slot |-> s, data |-> v])
    /\ zswap_referenced' = [zswap_referenced EXCEPT ![s] = Rotate]
    /\ UNCHANGED <<swap_cache, swap_device, stack>>

\* KeepSwapOutFolio: as SwapOut, and the folio stays in the swap cache,
\* unlocked and clean (its data is the new entry's), SWAP_HAS_CACHE set, use
\* count 1 (try_to_unmap() put the entry in the PTE); DropCleanFolio drops
\* it later, or a fault finds it (SwapCacheHit).  Quoted at KeepSwapOutFolio.
SwapOutKeepCache(s, v) ==
    /\ KeepSwapOutFolio
    /\ SwapWriteOk
    /\ swap_map[s].count = 0
    /\ ~swap_map[s].has_cache
    /\ IsFreshVersion(v)
    /\ swap_map' = [swap_map EXCEPT ![s] = [count |-> 1, has_cache |-> TRUE]]
    /\ swapped_page' = [swapped_page EXCEPT ![s] = v]
    /\ swap_cache' = [swap_cache EXCEPT ![s] = [locked |-> FALSE, uptodate |-> TRUE, data |-> v]]
    /\ zswap_tree' = [zswap_tree EXCEPT ![s] = [slot |-> s, data |-> v]]
    /\ zswap_lru' = Append(zswap_lru, [slot |-> s, data |-> v])
    /\ zswap_referenced' = [zswap_referenced EXCEPT ![s] = Rotate]
    /\ UNCHANGED <<swap_device, stack>>

(* The duplicate store (Redirty).  A page that do_swap_page() left in the   *)
(* swap cache (MapFolioKeepCache: use count 0, its folio clean, unlocked,  *)
(* SWAP_HAS_CACHE set) is written to and reclaimed again: try_to_unmap()   *)
(* puts slot s back in the PTE (use count 1), pageout() -> swap_writepage() *)
(* -> zswap_store() of the new data, then __remove_mapping() drops the     *)
(* folio, as at SwapOut.  No fault may hold a reference to the folio (the  *)
(* folio_ref_freeze() of DropCleanFolio).  The slot may still hold an old  *)
(* entry: a shared load (~ExclusiveLoads) kept it.                         *)
(* A folio whose page was freed meanwhile (FreeSlot, then a writeback's    *)
(* folio stayed) has the same state and may take these steps too: more    *)
(* behaviours than the kernel's, the same end state as DropCleanFolio      *)
(* followed by a store into the free slot.                                 *)
KeptFolio(s) ==
    /\ swap_map[s].count = 0
    /\ swap_map[s].has_cache
    /\ swap_cache[s] # NoFolio
    /\ ~swap_cache[s].locked
    /\ swap_cache[s].uptodate
    /\ \A t \in Tasks : ~(stack[t] # <<>> /\ Top(t).fn = "do_swap_page"
                          /\ Top(t).slot = s /\ Top(t).pc = "hit_wait")

\* The page comes back to slot s with new data v, its folio leaves.
RedirtiedPage(s, v) ==
    /\ swap_map' = [swap_map EXCEPT ![s] = [count |-> 1, has_cache |-> FALSE]]
    /\ swapped_page' = [swapped_page EXCEPT ![s] = v]
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NoFolio]

\* The store succeeds and replaces the old entry.
\* v6.8 invalidates a duplicate before it tries: [v6.8 ca56489c2f1d mm/zswap.c] zswap_store():
\* "dupentry = zswap_rb_search(&tree->rbroot, offset); if (dupentry) { zswap_duplicate_entry++; zswap_invalidate_entry(tree, dupentry); }"
\* 6.12: [6.12 mm/zswap.c:1520] "old = xa_store(tree, offset, entry, GFP_KERNEL);"
\* then [6.12 mm/zswap.c:1534-1535] "if (old) zswap_entry_free(old);"
SwapOutAgain(s, v) ==
    LET e == [slot |-> s, data |-> v] IN
    /\ Redirty
    /\ KeptFolio(s)
    /\ IsFreshVersion(v)
    /\ RedirtiedPage(s, v)
    /\ zswap_tree' = [zswap_tree EXCEPT ![s] = e]
    /\ zswap_lru' = Append(IF zswap_tree[s] = NoEntry THEN zswap_lru
                           ELSE LruWithout(zswap_tree[s]), e)
    /\ zswap_referenced' = [zswap_referenced EXCEPT ![s] = Rotate]
    /\ UNCHANGED <<swap_device, stack>>

\* The store fails (compression, the pool limit, an allocation) or is
\* skipped (zswap disabled): swap_writepage() writes the page to the device,
\* and the old entry must go, or a load would read it, and its writeback
\* would overwrite the new data on the device.  v6.8 invalidates it first
\* (quoted at SwapOutAgain), since 678e54d4bb9a also when zswap is disabled:
\* [v6.8 678e54d4bb9a mm/zswap.c] "if (!zswap_enabled) return false;" after the duplicate check.
\* 6.12: [6.12 mm/zswap.c:1573-1581] "check_old:" ... "entry = xa_erase(tree, offset); if (entry) zswap_entry_free(entry);"
\* Bug 678e54d4bb9a (StoreKeepsDupBug): the skipped store returns before
\* the duplicate check; ca56489c2f1d (v6.6-rc) had the same effect for a
\* failed store (the duplicate was only replaced at insertion).
SwapOutAgainRejected(s, v) ==
    /\ Redirty
    /\ KeptFolio(s)
    /\ IsFreshVersion(v)
    /\ RedirtiedPage(s, v)
    /\ swap_device' = [swap_device EXCEPT ![s] = v]
    /\ IF StoreKeepsDupBug THEN UNCHANGED <<zswap_tree, zswap_lru, zswap_referenced>>
       ELSE Invalidate(s)
    /\ UNCHANGED stack

\* [6.12 mm/memory.c:1654] zap_nonpresent_ptes(): "free_swap_and_cache_nr(entry, nr);"
\* the owner unmaps a swapped-out page.  munmap holds mmap_lock for write,
\* a fault holds it for read: not while a task faults on the slot, nor
\* while swapoff's unuse_mm() holds it for read (UnusesSlot).
\* SwapShared: one of two PTEs goes (the other process exits or unmaps it,
\* whoever faults), and the slot stays in use until the last one goes.
FreeSlot(s) ==
    /\ InUse(s)
    /\ swap_map[s].count > 1 \/ \A t \in Tasks : ~FaultsOn(t, s)
    /\ \A o \in Swapoffs : ~UnusesSlot(o, s)
    /\ swap_map' = [swap_map EXCEPT ![s].count = @ - 1]
    /\ IF swap_map[s].count > 1
       THEN UNCHANGED <<swapped_page, zswap_tree, zswap_lru, zswap_referenced, swap_device>>
       ELSE /\ swapped_page' = [swapped_page EXCEPT ![s] = NoData]
            /\ IF InvalidatesNow(s)
               THEN /\ Invalidate(s)
                    /\ swap_device' = [swap_device EXCEPT ![s] = FreedDevice(s)]
               ELSE UNCHANGED <<zswap_tree, zswap_lru, zswap_referenced, swap_device>>
    /\ UNCHANGED <<swap_cache, stack>>

\* SwapShared: fork copies a swapped-out PTE into the child,
\* [6.12 mm/memory.c:805] copy_nonpresent_pte(): "if (swap_duplicate(entry) < 0)"
\* fails not: the entry's use count goes to 2.  fork holds the parent's
\* mmap_lock for write: not while a task faults on the slot.
SwapDuplicate(s) ==
    /\ SwapShared
    /\ swap_map[s].count = 1
    /\ \A t \in Tasks : ~FaultsOn(t, s)
    /\ swap_map' = [swap_map EXCEPT ![s].count = 2]
    /\ UNCHANGED <<swapped_page, swap_cache, zswap_tree, zswap_lru, zswap_referenced, swap_device, stack>>

\* [6.12 mm/vmscan.c:771-774] __remove_mapping(): "__delete_from_swap_cache(folio, swap, shadow);" ... "put_swap_folio(folio, swap);"
\* (under shrink_folio_list()): reclaim drops a clean folio that no fault
\* holds a reference to ([6.12 mm/vmscan.c:757-759] "refcount = 1 + folio_nr_pages(folio); if (!folio_ref_freeze(folio, refcount)) goto cannot_free;"):
\* none at pc "hit_wait" on the slot (one at "hit_gone" holds an older folio).  rotate: if the use count is gone too, the slot is freed now
\* ([6.12 mm/swapfile.c:1672-1674] "if (!__swap_entry_free_locked(si, offset + i, SWAP_HAS_CACHE)) {" ... "free_swap_slot(entry);").
\* SwapShared: a folio that a shared fault loaded exclusively and mapped is
\* the other PTE's only copy, and dirty ([6.12 mm/zswap.c:1634-1636]
\* "if (swapcache) { zswap_entry_free(entry); folio_mark_dirty(folio);"):
\* reclaim would write it out again (zswap_store into the same slot, not
\* modelled) before it drops it.  The model keeps it until the slot is
\* free.  (Without SwapShared every unlocked, uptodate folio of a slot in
\* use is written back: clean.)
FolioClean(s) ==
    \/ swap_device[s] = swap_cache[s].data
    \/ zswap_tree[s] # NoEntry /\ zswap_tree[s].data = swap_cache[s].data
DropCleanFolio(s) ==
    /\ swap_cache[s] # NoFolio
    /\ ~swap_cache[s].locked
    /\ swap_cache[s].uptodate
    /\ SwapShared /\ InUse(s) => FolioClean(s)
    /\ \A t \in Tasks \cup Swapoffs : ~(stack[t] # <<>> /\ Top(t).fn = "do_swap_page"
                          /\ Top(t).slot = s /\ Top(t).pc = "hit_wait")
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NoFolio]
    /\ swap_map' = SetPin(s, FALSE)
    /\ SlotFreedWithPin(s)
    /\ UNCHANGED <<swapped_page, stack>>

\* CleanReclaim: a kept folio whose page was not written to is reclaimed
\* again (quoted at CleanReclaim): the slot is back in the PTE (use count
\* 1, the page's data is the folio's), the folio leaves with its pin, and
\* nothing is stored: the old entry, or the device's bytes, are the page's
\* copy now.  As for SwapOutAgain, a kept folio whose page was freed
\* meanwhile has the same state and may take the step too (more
\* behaviours than the kernel's).
UnmapCleanFolio(s) ==
    /\ CleanReclaim
    /\ KeptFolio(s)
    /\ FolioClean(s)
    /\ swap_map' = [swap_map EXCEPT ![s] = [count |-> 1, has_cache |-> FALSE]]
    /\ swapped_page' = [swapped_page EXCEPT ![s] = swap_cache[s].data]
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NoFolio]
    /\ UNCHANGED <<zswap_tree, zswap_lru, zswap_referenced, swap_device, stack>>

(***************************************************************************)
(* Next-state relation and fairness.                                       *)
(***************************************************************************)

\* The steps of a task's own fault (not its reclaim walk).
FaultStep(t) ==
    \/ \E s \in Slots : StartFault(t, s)
    \/ PteChanged(t) \/ RetryFault(t) \/ SwapCacheHit(t) \/ SwapcachePrepare(t) \/ ZswapLruRemove(t)
    \/ ChargeOk(t) \/ ChargeReclaim(t) \/ ChargeFail(t) \/ AddToSwapCache(t)
    \/ SwapReadFolio(t) \/ MapFolio(t) \/ MapFolioKeepCache(t)
    \/ SkipSwapcache(t) \/ SyncSwapcachePrepare(t) \/ SwapcacheBusy(t) \/ SyncMapFolio(t)
    \/ SyncPteChanged(t) \/ SyncReadFolio(t)

\* The steps of a reclaim walk and its writeback, in any actor.
WalkStep(a) ==
    \/ LruIsolate(a) \/ ShrinkDone(a)
    \/ WbFolioExists(a) \/ WbSlotFreed(a) \/ WbAllocFail(a) \/ WbSkipBusy(a) \/ WbAllocFolio(a)
    \/ WbChargeOk(a) \/ WbChargeReclaim(a) \/ WbChargeFail(a)
    \/ WbEntryGone(a) \/ WbWrite(a) \/ WbPutback(a)

\* swapoff's steps: its own, and those of the swap-ins of try_to_unuse().
SwapoffStep(o) ==
    \/ SwapoffStart(o) \/ \E s \in Slots : UnuseSlot(o, s) \/ ZswapSwapoff(o)
    \/ PteChanged(o) \/ SwapCacheHit(o) \/ SwapcachePrepare(o) \/ ZswapLruRemove(o)
    \/ ChargeOk(o) \/ ChargeReclaim(o) \/ ChargeFail(o) \/ AddToSwapCache(o)
    \/ SwapReadFolio(o) \/ MapFolio(o) \/ UnusePoison(o) \/ UnuseFolioGone(o)

ActorNext(a) ==
    \/ a \in Tasks /\ FaultStep(a)
    \/ a \in Swapoffs /\ SwapoffStep(a)
    \/ a \in Shrinkers /\ ShrinkWorker(a)
    \/ WalkStep(a)

Environment ==
    \/ \E s \in Slots, v \in Versions : SwapOut(s, v) \/ SwapOutAgain(s, v) \/ SwapOutAgainRejected(s, v)
                                       \/ SwapOutKeepCache(s, v)
    \/ \E s \in Slots : FreeSlot(s) \/ DropCleanFolio(s) \/ SwapDuplicate(s) \/ UnmapCleanFolio(s)

\* Written out so that TLC labels every edge with the step's own name.
Next ==
    \/ \E t \in Tasks : FaultStep(t)
    \/ \E k \in Shrinkers : ShrinkWorker(k)
    \/ \E o \in Swapoffs : SwapoffStep(o)
    \/ \E a \in Actors : WalkStep(a)
    \/ Environment

\* The kernel's retry loop ([6.12 mm/swap_state.c:509] "schedule_timeout_uninterruptible(1);", then try
\* again) promises no order among waiters.  Weak fairness: an actor that is
\* enabled *continuously* eventually steps; a waiter that is enabled only
\* between another task's pin release and re-take may starve.  Strong
\* fairness: an actor enabled infinitely often eventually steps.  The
\* environment gets no fairness: pages need not be swapped out or freed.
Fairness ==
    IF FAIRNESS = "strong" THEN \A a \in Actors : SF_vars(ActorNext(a))
    ELSE \A a \in Actors : WF_vars(ActorNext(a))

Spec == Init /\ [][Next]_vars /\ Fairness

(***************************************************************************)
(* Properties.                                                             *)
(***************************************************************************)

\* Every variable has the shape the contract gives it.
TypeOK ==
    /\ swap_map \in [Slots -> [count : 0..MaxSwapCount, has_cache : BOOLEAN]]
    /\ swapped_page \in [Slots -> Data]
    /\ swap_cache \in [Slots -> Folio \cup {NoFolio}]
    /\ zswap_tree \in [Slots -> Entry \cup {NoEntry}]
    /\ \A i \in 1..Len(zswap_lru) : zswap_lru[i] \in Entry
    /\ zswap_referenced \in [Slots -> BOOLEAN]
    /\ swap_device \in [Slots -> Data]
    /\ DOMAIN stack = Actors
    /\ \A t \in Tasks :
         \/ stack[t] = <<>>
         \/ Len(stack[t]) = 1 /\ stack[t][1] \in SwapinFrame
         \/ Len(stack[t]) = 2 /\ stack[t][1] \in SwapinFrame /\ stack[t][2] \in WalkFrame
         \/ Len(stack[t]) = 3 /\ stack[t][1] \in SwapinFrame /\ stack[t][2] \in WalkFrame
            /\ stack[t][3] \in WbFrame
    /\ \A k \in Shrinkers :
         \/ stack[k] = <<>>
         \/ Len(stack[k]) = 1 /\ stack[k][1] \in WalkFrame
         \/ Len(stack[k]) = 2 /\ stack[k][1] \in WalkFrame /\ stack[k][2] \in WbFrame
         \* WORKER_CHARGE_RECLAIM: the reclaim of its writeback's charge
         \/ /\ Len(stack[k]) \in {3, 4} /\ WORKER_CHARGE_RECLAIM
            /\ stack[k][1] \in WalkFrame /\ stack[k][2] \in WbFrame
            /\ stack[k][2].pc = "charge" /\ stack[k][3] \in WalkFrame
            /\ Len(stack[k]) = 4 => stack[k][4] \in WbFrame
    /\ \A o \in Swapoffs :
         \/ stack[o] = <<>>
         \/ /\ stack[o][1] \in SwapoffFrame
            /\ Len(stack[o]) \in 1..4
            /\ Len(stack[o]) > 1 => stack[o][1].pc = "unuse" /\ stack[o][2] \in SwapinFrame
            /\ Len(stack[o]) > 2 => stack[o][3] \in WalkFrame
            /\ Len(stack[o]) > 3 => stack[o][4] \in WbFrame

\* No actor waits on a pin that it holds itself (the thread's deadlock).
NoSelfWait == \A a \in Actors : ~WaitsOn(a, a)

\* No actor waits, through a chain of pin holders, on itself (self-waits included).
NoWaitCycle == \A a \in Actors : a \notin WaitsTransitively(a)

\* Every waiting actor waits on some actor that holds what it waits for, and
\* so will let it go: no wait on an orphaned pin or folio lock.  The cycle
\* properties above cannot see such a wait: it has no edge to follow.  A
\* folio stranded locked outside the swap cache (bug e3b63e966cac) is one.
NoOrphanedWait ==
    \A a \in Actors : (\E s \in Slots : BlockedOn(a, s)) \/ WaitsOnStrandedFolio(a) =>
        \E b \in Actors : WaitsOn(a, b)

\* No two distinct actors wait, through chains of pin holders, on each other (ABBA).
NoCrossWaitCycle ==
    \A a, b \in Actors :
        a # b => ~(b \in WaitsTransitively(a) /\ a \in WaitsTransitively(b))

\* A swapped-out page's data is in zswap, on the device, or in an uptodate swap-cache folio.
NoDataLoss ==
    \A s \in Slots : InUse(s) =>
        \/ zswap_tree[s] # NoEntry /\ zswap_tree[s].data = swapped_page[s]
        \/ swap_device[s] = swapped_page[s]
        \/ swap_cache[s] # NoFolio /\ swap_cache[s].uptodate
           /\ swap_cache[s].data = swapped_page[s]

\* The step changed actor a's frames.  Every step of an actor does (a
\* push, a pop or a new pc: StepsMoveTheirActor), so the step properties
\* below test this first where what they check is about a step of a, or
\* holds anyway when a's frames stay as they are: TLC then skips the rest
\* for every actor the step left alone, which is most of them
\* (skip_if_exists: 16.0 -> 13.8 CPU-s, the same verdicts).
FramesChanged(a) == stack'[a] # stack[a]

\* FramesChanged's premise.  Checked by every conf_* model; over the graph
\* of every fast model once, when FramesChanged came in (85 of 85 hold).
StepsMoveTheirActor == [][\A a \in Actors : ActorNext(a) => FramesChanged(a)]_vars

\* A fault maps exactly the data of the page it faulted on.
NoStaleData ==
    [][\A t \in Tasks \cup Swapoffs : FramesChanged(t) =>
          /\ MapFolio(t) \/ MapFolioKeepCache(t) => swap_cache[Top(t).slot].data = Top(t).page
          /\ SyncMapFolio(t) => IF Top(t).pc = "sync_unpinned_map"
                                 \* what the pin-less read gave, onto the page the PTE holds now
                                 THEN swapped_page[Top(t).slot] = Top(t).page
                                 ELSE SyncReadData(Top(t).slot) = Top(t).page
          /\ SyncReadFolio(t) => SyncReadData(Top(t).slot) = Top(t).page]_vars

\* A folio in the swap cache implies SWAP_HAS_CACHE.
SwapCacheImpliesPin ==
    \A s \in Slots : swap_cache[s] # NoFolio => swap_map[s].has_cache

\* A pin with no folio in the swap cache has a frame that holds it (and will clear it).
PinHeld ==
    \A s \in Slots : swap_map[s].has_cache /\ swap_cache[s] = NoFolio =>
        \E a \in Actors : Holds(a, s)

\* The zswap LRU holds only live tree entries, each once.
LruOnlyLive ==
    /\ \A i \in 1..Len(zswap_lru) : zswap_tree[zswap_lru[i].slot] = zswap_lru[i]
    /\ \A i, j \in 1..Len(zswap_lru) : i # j => zswap_lru[i] # zswap_lru[j]

\* Writeback gives up on a pinned entry only when the pin is its own (Johannes).
WritebackGivesUpOnlyOnOwnPin ==
    [][\A a \in Actors : FramesChanged(a) /\ WbSkipBusy(a) => Holds(a, TopSlot(a))]_vars

\* No fault step except the zswap load itself changes the zswap LRU (Yosry).
FaultPathNoLruWork ==
    [][zswap_lru' = zswap_lru \/
       \A t \in Tasks : FramesChanged(t) /\ FaultStep(t) => SwapReadFolio(t) \/ SyncMapFolio(t) \/ SyncPteChanged(t)]_vars

\* Right after a failed writeback's put-back, the walk's next pick (the LRU head) is another entry if there is one.
WalkMakesProgress ==
    [][\A a \in Actors : FramesChanged(a) /\ WbPutback(a) /\ Len(zswap_lru') > 1 =>
          Head(zswap_lru') # Top(a).entry]_vars

\* rotate: the entry a walk takes stays on the LRU, at its tail, and a walk only clears referenced bits.
RotateToTail ==
    [][\A a \in Actors : Rotate /\ FramesChanged(a) /\ LruIsolate(a) =>
          /\ Len(zswap_lru') = Len(zswap_lru)
          /\ zswap_lru'[Len(zswap_lru')] = stack'[a][Len(stack'[a])].entry
          /\ \A s \in Slots : zswap_referenced'[s] => zswap_referenced[s]]_vars

\* rotate: a reclaim walk (zswap_shrinker_scan: a task's, or the worker's nested one) that meets a swap-cache folio stops there (LRU_STOP).
WalkStopsAtSwapCache ==
    [][\A a \in Actors : Rotate /\ FramesChanged(a) /\ WbFolioExists(a) /\ ScanWalk(a, Len(stack[a]) - 1) =>
          stack'[a][Len(stack'[a])].budget = 0]_vars

\* A walk continues only from a cursor that is still on the LRU (not freed, not taken by another walk).
WalkCursorLive ==
    [][\A a \in Actors : FramesChanged(a) /\ WbPutback(a) =>
          Top(a).cursor = NoEntry \/ LruHas(Top(a).cursor)]_vars

\* The step properties below each defend guards whose deletion used to change
\* only the state counts (spec/README.md, "What the properties catch").
\* They read variables, never the actions, so a broken guard cannot break
\* its own check.

\* The edges of do_swap_page's control flow: a fault's frame moves only along them.
SwapinPcNext ==
    {<<"lookup", "hit_wait">>, <<"lookup", "lru_remove">>, <<"lookup", "charge">>,
     <<"hit_wait", "hit_gone">>, <<"hit_wait", "hit_stranded">>, <<"lru_remove", "charge">>,
     <<"charge", "charge_retry">>, <<"charge", "add">>, <<"charge", "read">>,
     <<"charge_retry", "add">>, <<"charge_retry", "read">>,
     <<"add", "read">>, <<"read", "map">>,
     \* the SWP_SYNCHRONOUS_IO bypass (SyncIO): 6.12 charges, then pins; v6.8 pins, then charges
     <<"lookup", "sync_alloc">>, <<"lookup", "sync_prepare">>,
     <<"sync_alloc", "sync_alloc_retry">>, <<"sync_alloc", "sync_prepare">>,
     <<"sync_alloc_retry", "sync_prepare">>,
     <<"sync_prepare", "sync_charge">>, <<"sync_prepare", "sync_read">>,
     <<"sync_charge", "sync_charge_retry">>, <<"sync_charge", "sync_read">>,
     <<"sync_charge_retry", "sync_read">>,
     \* bug 13ddaf26be32: no pin, the read and the map apart
     <<"sync_alloc", "sync_unpinned_read">>, <<"sync_alloc_retry", "sync_unpinned_read">>,
     <<"sync_unpinned_read", "sync_unpinned_map">>}

\* A fault keeps its slot and page and follows do_swap_page's control flow
\* forward.  (A step that leaves t's frames alone satisfies it but for the
\* bottom frame's fn, which TypeOK checks in every state.)
SwapinFollowsControlFlow ==
    [][\A t \in Tasks : FramesChanged(t) /\ stack[t] # <<>> /\ stack'[t] # <<>> =>
          LET f == stack[t][1]
              g == stack'[t][1]
          IN /\ g.fn = "do_swap_page" /\ g.slot = f.slot /\ g.page = f.page
             /\ g.pc = f.pc \/ <<f.pc, g.pc>> \in SwapinPcNext]_vars

\* A fault waiting for a folio's lock (hit_wait) waits on a folio in the swap cache.
HitWaitHasFolio ==
    \A t \in Tasks : stack[t] # <<>> /\ stack[t][1].pc = "hit_wait" =>
        swap_cache[stack[t][1].slot] # NoFolio

\* An actor blocked on a slot takes no step of its own: its frames stay as
\* they are (but for a fault whose folio leaves the swap cache: hit_gone,
\* or with bug e3b63e966cac hit_stranded).
BlockedActorsWait ==
    [][\A a \in Actors : FramesChanged(a) => \A s \in Slots : BlockedOn(a, s) =>
          \/ stack'[a] = stack[a]
          \/ stack'[a] = [stack[a] EXCEPT ![Len(stack[a])].pc = "hit_gone"]
          \/ stack'[a] = [stack[a] EXCEPT ![Len(stack[a])].pc = "hit_stranded"]]_vars

\* SWAP_HAS_CACHE is set only on a slot in use (swapcache_prepare() of a
\* freed slot fails: __swap_duplicate()'s -ENOENT), or by the step that
\* puts it in use (KeepSwapOutFolio's SwapOutKeepCache: the allocator's
\* SWAP_HAS_CACHE, then try_to_unmap()'s use count, in one step).
PinOnlyInUse ==
    [][\A s \in Slots : ~swap_map[s].has_cache /\ swap_map'[s].has_cache =>
          InUse(s) \/ swap_map'[s].count > 0]_vars

\* A walk's budget (nr_to_walk) only goes down: a walk never restarts in place.
WalkBudgetNeverGrows ==
    [][\A a \in Actors : FramesChanged(a) => \A i \in 1..Len(stack[a]) :
          /\ i <= Len(stack'[a])
          /\ stack[a][i].fn = "shrink_memcg_cb" /\ stack'[a][i].fn = "shrink_memcg_cb"
          => stack'[a][i].budget <= stack[a][i].budget]_vars

\* A walk ends only when its budget is spent, the LRU is empty, or (rotate)
\* what is left of the budget goes on referenced entries.
WalkEndsOnlyWhenSpent ==
    [][\A a \in Actors : FramesChanged(a) /\ stack[a] # <<>> /\ Top(a).fn = "shrink_memcg_cb"
          /\ Len(stack'[a]) < Len(stack[a]) =>
          \/ Top(a).budget = 0 \/ zswap_lru = <<>>
          \/ Rotate /\ Top(a).budget <= LeadingReferenced]_vars

\* rotate: a task's walk stops early (LRU_STOP) only at a swap-cache folio (-EEXIST).
LruStopOnlyAtSwapCache ==
    [][\A t \in Tasks : Rotate /\ FramesChanged(t) /\ Len(stack[t]) = 3 /\ Len(stack'[t]) = 2
          /\ stack[t][2].budget > 0 /\ stack'[t][2].budget = 0 =>
          swap_cache[stack[t][3].entry.slot] # NoFolio]_vars

\* Writeback drops its new folio from the swap cache only when its entry left
\* the tree meanwhile (the re-check), never for an entry it could write.
WritebackDropsFolioOnlyForGoneEntry ==
    [][\A a \in Actors : stack[a] # <<>> /\ Top(a).fn = "zswap_writeback_entry"
          /\ Top(a).pc = "write" /\ swap_cache'[Top(a).entry.slot] = NoFolio =>
          zswap_tree[Top(a).entry.slot] # Top(a).entry]_vars

\* Swapoff (Swapoffs # {}).  The writeback pcs whose next step dereferences
\* the zswap tree.  v6.8: shrink_memcg_cb() takes the tree's lock right
\* after isolating the entry, before zswap_writeback_entry() holds any
\* folio ([patch <20240126-zswap-writeback-race-v2-2-b10479847099@bytedance.com> mm/zswap.c],
\* its removed lines: "list_lru_isolate(l, item);" ... "spin_unlock(lock);" ... "spin_lock(&tree->lock);"),
\* and again after it returned ("writeback_result = zswap_writeback_entry(entry, tree);" then
\* "spin_lock(&tree->lock);" and "zswap_lru_putback(&entry->pool->list_lru, entry);"): pcs "prepare" and
\* "putback" (and "write", where the folio lock pins the device).  6.12
\* (5878303c5353, <20240126-zswap-writeback-race-v2-2-b10479847099@bytedance.com>)
\* looks the tree up only with the locked swap-cache folio in hand:
\* [6.12 mm/zswap.c:1089-1097] "concurrent swapping to and from the slot, and concurrent swapoff so we can safely dereference the zswap tree here." ... "tree = swap_zswap_tree(swpentry);"
\* so only pc "write"; with bug 5878303c5353 also "prepare".
TreeDerefPcs ==
    IF ~Rotate THEN {"prepare", "write", "putback"}
    ELSE IF SwapoffRaceBug THEN {"prepare", "write"} ELSE {"write"}

\* Writeback never dereferences the zswap tree after zswap_swapoff() freed it (5878303c5353).
WritebackNeverTouchesFreedTree ==
    [][\A a \in Actors : TreeFreed /\ stack[a] # <<>> /\ Top(a).fn = "zswap_writeback_entry"
          /\ Top(a).pc \in TreeDerefPcs => stack'[a] = stack[a]]_vars

\* zswap_swapoff() finds the tree empty (its WARN_ON_ONCE) and no entry on the LRU.
TreeEmptyAtSwapoff ==
    TreeFreed => /\ \A s \in Slots : zswap_tree[s] = NoEntry
                 /\ zswap_lru = <<>>

\* swapoff's unuse_pte() never poisons the PTE of a page that is still
\* swapped out: a swap-in of swapoff that ends at pc "hit_gone" (its folio
\* left the swap cache) while the PTE still holds the slot leaves the page
\* swapped out (UnuseFolioGone), not gone (UnusePoison).
UnuseNeverPoisons ==
    [][\A o \in Swapoffs : stack[o] # <<>> /\ Top(o).fn = "do_swap_page" /\ Top(o).pc = "hit_gone"
          /\ PageUnchanged(Top(o)) /\ stack'[o] # stack[o]
          => swapped_page'[Top(o).slot] = swapped_page[Top(o).slot]]_vars

\* Task t is in do_swap_page (or in the reclaim its charge entered).
Faulting(t) == stack[t] # <<>>

\* Every fault that starts eventually completes or fails.
FaultCompletes == \A t \in Tasks : Faulting(t) ~> ~Faulting(t)

=============================================================================
