------------------------------- MODULE Zswap -------------------------------
(***************************************************************************)
(* Swap-in racing with zswap writeback (Linux mm, v6.5 .. 2025).           *)
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
(* statement it models (mm/swap_state.c, mm/zswap.c, mm/memory.c of v6.8   *)
(* unless said otherwise).                                                 *)
(*                                                                         *)
(* Abstracted away (README "What is abstracted away"): one memcg, one swap *)
(* device, one pool, no readahead, no swapoff, use count 0/1, exclusive    *)
(* loads, one reclaim per fault.                                           *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS
    Tasks,        \* faulting tasks (do_swap_page); each may reclaim from its charge
    Shrinkers,    \* background shrinkers (shrink_worker); writeback only
    Slots,        \* swap slots (swp_entry_t offsets)
    Versions,     \* page data; a fresh one per zswap_store
    VARIANT,      \* "none", "lru_remove", "skip_if_exists", "swap_table"
    PUTBACK,      \* "tail" (v6.8) or "head": where a failed entry goes back
    SCAN_BUDGET,  \* entries one reclaim walk may isolate
    BUGS,         \* commit ids whose bug is reintroduced
    FAIRNESS,     \* "weak" or "strong", per actor
    NoEntry, NoFolio, NoData

ASSUME VARIANT \in {"none", "lru_remove", "skip_if_exists", "swap_table"}
ASSUME PUTBACK \in {"tail", "head"}
ASSUME SCAN_BUDGET \in Nat \ {0}
ASSUME BUGS \subseteq {"04fc7816089c", "a65b0e7607cc", "27d3969b47cc"}
ASSUME FAIRNESS \in {"weak", "strong"}
ASSUME Tasks \cap Shrinkers = {}

Actors == Tasks \cup Shrinkers

VARIABLES
    swap_map,      \* si->swap_map: use count and SWAP_HAS_CACHE (the pin)
    swapped_page,  \* the data of the page whose PTE holds the slot
    swap_cache,    \* the swap address space: one folio per slot
    zswap_tree,    \* the zswap tree: one entry per slot, with identity
    zswap_lru,     \* pool->list_lru, head = oldest
    swap_device,   \* what writeback wrote; stale bytes stay after free
    stack          \* each actor's call stack, bottom first

vars == <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru,
          swap_device, stack>>

(***************************************************************************)
(* Value shapes (README "Variables").                                      *)
(***************************************************************************)
Data  == Versions \cup {NoData}
Entry == [slot : Slots, data : Versions]
Folio == [locked : BOOLEAN, uptodate : BOOLEAN, data : Data]

SwapinPcs == {"lookup", "hit_wait", "charge", "charge_retry", "add", "read", "map"}
WbPcs     == {"prepare", "write", "putback"}

SwapinFrame == [fn : {"do_swap_page"}, slot : Slots, page : Versions,
                pc : SwapinPcs, lru_removed : BOOLEAN]
WalkFrame   == [fn : {"shrink_memcg_cb"}, budget : 0..SCAN_BUDGET]
WbFrame     == [fn : {"zswap_writeback_entry"}, entry : Entry, pc : WbPcs,
                cursor : Entry \cup {NoEntry}]

(* The swap-in path pins the slot and only later adds its folio, except   *)
(* with the swap table, which does both in one critical section.          *)
SwapTable     == VARIANT = "swap_table"
LruRemove     == VARIANT = "lru_remove"
(* skip_if_exists is only in effect when zswap passes the flag: bug       *)
(* a65b0e7607cc is "the flag exists but writeback does not pass it".      *)
SkipIfExists  == VARIANT = "skip_if_exists" /\ "a65b0e7607cc" \notin BUGS
NoEntryRecheck == "04fc7816089c" \in BUGS
LruSkipBug     == "27d3969b47cc" \in BUGS

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

\* The page under the PTE is still the one the fault started on (pte_same).
PageUnchanged(f) == swapped_page[f.slot] = f.page

\* Task t has a swap-in frame on slot s (a task's swap-in frame is its bottom one).
FaultsOn(t, s) == stack[t] # <<>> /\ stack[t][1].slot = s

LruHas(e)       == \E i \in 1..Len(zswap_lru) : zswap_lru[i] = e
LruWithout(e)   == SelectSeq(zswap_lru, LAMBDA x : x # e)
\* zswap_invalidate / zswap_entry_free: the tree entry and its LRU node go.
Invalidate(s) ==
    /\ zswap_tree' = [zswap_tree EXCEPT ![s] = NoEntry]
    /\ zswap_lru' = IF zswap_tree[s] = NoEntry THEN zswap_lru
                    ELSE LruWithout(zswap_tree[s])

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

(***************************************************************************)
(* Who holds a slot, who waits on whom (README "Who waits on whom").       *)
(***************************************************************************)
HolderPcs == {"charge", "charge_retry", "add", "read", "map"}

\* Actor b holds slot s: it set SWAP_HAS_CACHE and will clear it or hand the
\* slot on to an unlocked folio.
Holds(b, s) ==
    \E i \in 1..Len(stack[b]) :
      LET f == stack[b][i] IN
        \/ f.fn = "do_swap_page" /\ f.slot = s /\ f.pc \in HolderPcs
        \/ f.fn = "zswap_writeback_entry" /\ f.entry.slot = s /\ f.pc = "write"

\* Actor a can take no step until slot s changes.
BlockedOn(a, s) ==
    /\ stack[a] # <<>>
    /\ LET f == Top(a) IN
         \/ /\ f.fn = "do_swap_page" /\ f.slot = s /\ PageUnchanged(f)
            /\ \/ f.pc = "lookup" /\ swap_cache[s] = NoFolio /\ swap_map[s].has_cache
               \/ f.pc = "hit_wait" /\ swap_cache[s] # NoFolio /\ swap_cache[s].locked
         \/ /\ f.fn = "zswap_writeback_entry" /\ f.entry.slot = s /\ f.pc = "prepare"
            /\ swap_cache[s] = NoFolio /\ swap_map[s].count = 1
            /\ swap_map[s].has_cache /\ ~SkipIfExists

WaitsOn(a, b) == \E s \in Slots : BlockedOn(a, s) /\ Holds(b, s)

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
    /\ swap_device = [s \in Slots |-> NoData]
    /\ stack = [a \in Actors |-> <<>>]

(***************************************************************************)
(* Swap-in: do_swap_page -> __read_swap_cache_async -> swap_read_folio.    *)
(***************************************************************************)

\* do_swap_page(): "entry = pte_to_swp_entry(vmf->orig_pte);" remember which page it is.
StartFault(t, s) ==
    /\ stack[t] = <<>>
    /\ swap_map[s].count = 1
    /\ stack' = [stack EXCEPT ![t] = <<[fn |-> "do_swap_page", slot |-> s,
                    page |-> swapped_page[s], pc |-> "lookup",
                    lru_removed |-> FALSE]>>]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* do_swap_page(): "if (unlikely(!pte_same(ptep_get(vmf->pte), vmf->orig_pte))) goto out_nomap;"
\* another task mapped the page (and the slot may hold another page now).
PteChanged(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc \in {"lookup", "hit_wait"}
    /\ ~PageUnchanged(Top(t))
    /\ stack' = PopTop(t)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* do_swap_page(): "if (unlikely(!folio_test_swapcache(folio) || page_swap_entry(page).val != entry.val)) goto out_page;"
\* the folio we waited on left the swap cache; the access faults again.
RetryFault(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "hit_wait"
    /\ PageUnchanged(Top(t))
    /\ swap_cache[Top(t).slot] = NoFolio
    /\ stack' = PopTop(t)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* __read_swap_cache_async(): "folio = filemap_get_folio(swap_address_space(entry), swp_offset(entry)); if (!IS_ERR(folio)) goto got_folio;"
SwapCacheHit(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "lookup"
    /\ PageUnchanged(Top(t))
    /\ swap_cache[Top(t).slot] # NoFolio
    /\ stack' = SetTop(t, [Top(t) EXCEPT !.pc = "hit_wait"])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* __read_swap_cache_async(): "err = swapcache_prepare(entry); if (!err) break;"
\* With -EEXIST the kernel loops on "schedule_timeout_uninterruptible(1);":
\* no step here, the task is BlockedOn the slot.
\* lru_remove (Domenico's v2): "zswap_lru_removed = zswap_remove_swpentry_from_lru(entry);"
\* swap_table (2025): the locked folio goes into the swap cache together
\* with the pin, before the charge.
SwapcachePrepare(t) ==
    LET f == Top(t)
        s == f.slot
        e == zswap_tree[s]
        removed == LruRemove /\ e # NoEntry /\ LruHas(e)
    IN
    /\ TopIs(t, "do_swap_page")
    /\ f.pc = "lookup"
    /\ PageUnchanged(f)
    /\ swap_cache[s] = NoFolio
    /\ ~swap_map[s].has_cache
    /\ swap_map' = SetPin(s, TRUE)
    /\ swap_cache' = IF SwapTable THEN [swap_cache EXCEPT ![s] = NewFolio]
                     ELSE swap_cache
    /\ zswap_lru' = IF removed THEN LruWithout(e) ELSE zswap_lru
    /\ stack' = SetTop(t, [f EXCEPT !.pc = "charge", !.lru_removed = removed])
    /\ UNCHANGED <<swapped_page, zswap_tree, swap_device>>

\* __read_swap_cache_async(): "if (mem_cgroup_swapin_charge_folio(folio, NULL, gfp_mask, entry))" succeeds.
ChargeOk(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc \in {"charge", "charge_retry"}
    /\ stack' = SetTop(t, [Top(t) EXCEPT !.pc = IF SwapTable THEN "read" ELSE "add"])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* try_charge_memcg(): "nr_reclaimed = try_to_free_mem_cgroup_pages(mem_over_limit, nr_pages, gfp_mask, reclaim_options);"
\* direct reclaim in this task, under mem_cgroup_swapin_charge_folio(); shrink_slab() ->
\* zswap_shrinker_scan() walks the zswap LRU.  Reclaim does not recurse (PF_MEMALLOC);
\* it happens at most once per fault (MAX_RECLAIM_RETRIES is abstracted to one).
ChargeReclaim(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "charge"
    /\ stack' = Push(t, [fn |-> "shrink_memcg_cb", budget |-> SCAN_BUDGET])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* __read_swap_cache_async(): "fail_unlock: put_swap_folio(folio, entry);"
\* clears SWAP_HAS_CACHE; the fault returns VM_FAULT_OOM.
\* lru_remove: "if (zswap_lru_removed) zswap_insert_swpentry_into_lru(entry);"
ChargeFail(t) ==
    LET f == Top(t)
        s == f.slot
    IN
    /\ TopIs(t, "do_swap_page")
    /\ f.pc \in {"charge", "charge_retry"}
    /\ swap_map' = SetPin(s, FALSE)
    /\ swap_cache' = IF SwapTable THEN [swap_cache EXCEPT ![s] = NoFolio]
                     ELSE swap_cache
    /\ zswap_lru' = IF f.lru_removed /\ zswap_tree[s] # NoEntry
                    THEN Append(zswap_lru, zswap_tree[s]) ELSE zswap_lru
    /\ stack' = PopTop(t)
    /\ UNCHANGED <<swapped_page, zswap_tree, swap_device>>

\* __read_swap_cache_async(): "if (add_to_swap_cache(folio, entry, gfp_mask & GFP_RECLAIM_MASK, &shadow))"
\* the locked, not uptodate folio becomes visible to lookups.
AddToSwapCache(t) ==
    LET s == Top(t).slot IN
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "add"
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NewFolio]
    /\ stack' = SetTop(t, [Top(t) EXCEPT !.pc = "read"])
    /\ UNCHANGED <<swap_map, swapped_page, zswap_tree, zswap_lru, swap_device>>

\* swap_read_folio(): "if (zswap_load(folio)) { folio_unlock(folio); goto finish; }"
\* else the bdev read.  zswap_load() is exclusive (v6.9+): "zswap_entry_free(entry);"
SwapReadFolio(t) ==
    LET s == Top(t).slot
        e == zswap_tree[s]
        d == IF e # NoEntry THEN e.data ELSE swap_device[s]
    IN
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "read"
    /\ swap_cache' = [swap_cache EXCEPT ![s] = [locked |-> TRUE, uptodate |-> TRUE, data |-> d]]
    /\ IF e # NoEntry THEN Invalidate(s) ELSE UNCHANGED <<zswap_tree, zswap_lru>>
    /\ stack' = SetTop(t, [Top(t) EXCEPT !.pc = "map"])
    /\ UNCHANGED <<swap_map, swapped_page, swap_device>>

\* do_swap_page(): "set_pte_at(vma->vm_mm, vmf->address, vmf->pte, pte); ... swap_free(entry);
\* if (should_try_to_free_swap(folio, vma, vmf->flags)) folio_free_swap(folio);"
\* The page is mapped with the folio's data; the slot is freed
\* (zswap_invalidate), the folio leaves the swap cache and the pin goes.
\* From hit_wait: "folio_lock_or_retry()" got a folio someone else filled.
MapFolio(t) ==
    LET f == Top(t)
        s == f.slot
    IN
    /\ TopIs(t, "do_swap_page")
    /\ \/ f.pc = "map"
       \/ /\ f.pc = "hit_wait" /\ PageUnchanged(f)
          /\ swap_cache[s] # NoFolio
          /\ ~swap_cache[s].locked /\ swap_cache[s].uptodate
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NoFolio]
    /\ swap_map' = [swap_map EXCEPT ![s] = [count |-> 0, has_cache |-> FALSE]]
    /\ swapped_page' = [swapped_page EXCEPT ![s] = NoData]
    /\ Invalidate(s)
    /\ swap_device' = [swap_device EXCEPT ![s] = FreedDevice(s)]
    /\ stack' = PopTop(t)

(***************************************************************************)
(* Writeback: shrink_worker / zswap_shrinker_scan -> list_lru_walk_one ->  *)
(* shrink_memcg_cb -> zswap_writeback_entry.                               *)
(***************************************************************************)

\* shrink_worker(): "ret = shrink_memcg(memcg);" -> list_lru_walk_one(..., shrink_memcg_cb, NULL, &nr_to_walk)
ShrinkWorker(k) ==
    /\ stack[k] = <<>>
    /\ zswap_lru # <<>>
    /\ stack' = [stack EXCEPT ![k] = <<[fn |-> "shrink_memcg_cb", budget |-> SCAN_BUDGET]>>]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* shrink_memcg_cb(): "list_lru_isolate(l, item); ... spin_unlock(lock);"
\* The walk restarts from the head after every entry (LRU_RETRY /
\* LRU_REMOVED_RETRY), so it always takes the oldest entry.
\* With bug 27d3969b47cc the walk of zswap_shrinker_scan() (a task's
\* reclaim: it passes encountered_page_in_swapcache) remembers the next
\* node, list_for_each_safe()'s "n", as the cursor to continue from.
LruIsolate(a) ==
    LET w == Top(a)
        e == Head(zswap_lru)
        cursor == IF LruSkipBug /\ a \in Tasks /\ Len(zswap_lru) > 1
                  THEN zswap_lru[2] ELSE NoEntry
    IN
    /\ TopIs(a, "shrink_memcg_cb")
    /\ w.budget > 0
    /\ zswap_lru # <<>>
    /\ zswap_lru' = Tail(zswap_lru)
    /\ stack' = [stack EXCEPT ![a] =
                   Append(Popped(a), [w EXCEPT !.budget = @ - 1]) \o
                   <<[fn |-> "zswap_writeback_entry", entry |-> e,
                      pc |-> "prepare", cursor |-> cursor]>>]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, swap_device>>

\* __list_lru_walk_one(): "if (!*nr_to_walk) break;" or the list is empty.
\* Back in try_charge_memcg(), a task retries its charge; a shrinker is done.
WalkReturn(a) ==
    IF a \in Tasks THEN <<[stack[a][1] EXCEPT !.pc = "charge_retry"]>> ELSE <<>>

ShrinkDone(a) ==
    /\ TopIs(a, "shrink_memcg_cb")
    /\ Top(a).budget = 0 \/ zswap_lru = <<>>
    /\ stack' = [stack EXCEPT ![a] = WalkReturn(a)]
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

WbTop(a, pc) == TopIs(a, "zswap_writeback_entry") /\ Top(a).pc = pc

\* zswap_writeback_entry(): "if (!folio_was_allocated) { folio_put(folio); return -EEXIST; }"
\* (__read_swap_cache_async found a folio in the swap cache.)
WbFolioExists(a) ==
    /\ WbTop(a, "prepare")
    /\ swap_cache[TopSlot(a)] # NoFolio
    /\ stack' = SetTop(a, [Top(a) EXCEPT !.pc = "putback"])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* __read_swap_cache_async(): "if (!swap_swapcount(si, entry) && swap_slot_cache_enabled) goto fail_put_swap;"
\* -> "if (!folio) return -ENOMEM;": the slot was freed meanwhile.
\* -ENOMEM makes shrink_memcg_cb return LRU_RETRY: no cursor to continue from.
WbSlotFreed(a) ==
    /\ WbTop(a, "prepare")
    /\ swap_cache[TopSlot(a)] = NoFolio
    /\ swap_map[TopSlot(a)].count = 0
    /\ stack' = SetTop(a, [Top(a) EXCEPT !.pc = "putback", !.cursor = NoEntry])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* __read_swap_cache_async(): "if (skip_if_exists) goto fail_put_swap;" (a65b0e7607cc)
\* swapcache_prepare() said -EEXIST but no folio is cached yet: give up.
WbSkipBusy(a) ==
    /\ WbTop(a, "prepare")
    /\ swap_cache[TopSlot(a)] = NoFolio
    /\ swap_map[TopSlot(a)].count = 1
    /\ swap_map[TopSlot(a)].has_cache
    /\ SkipIfExists
    /\ stack' = SetTop(a, [Top(a) EXCEPT !.pc = "putback", !.cursor = NoEntry])
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru, swap_device>>

\* __read_swap_cache_async() allocated: "err = swapcache_prepare(entry); if (!err) break;"
\* then "add_to_swap_cache(folio, entry, ...)" (writeback's own charge never
\* reclaims, PF_MEMALLOC): pin and locked folio in one step.
WbAllocFolio(a) ==
    LET s == TopSlot(a) IN
    /\ WbTop(a, "prepare")
    /\ swap_cache[s] = NoFolio
    /\ swap_map[s].count = 1
    /\ ~swap_map[s].has_cache
    /\ swap_map' = SetPin(s, TRUE)
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NewFolio]
    /\ stack' = SetTop(a, [Top(a) EXCEPT !.pc = "write"])
    /\ UNCHANGED <<swapped_page, zswap_tree, zswap_lru, swap_device>>

\* zswap_writeback_entry(): "if (zswap_rb_search(&tree->rbroot, swp_offset(swpentry)) != entry) {
\*   delete_from_swap_cache(folio); folio_unlock(folio); folio_put(folio); return -ENOMEM; }"
\* The re-check that 04fc7816089c added: the entry was invalidated (and the
\* slot maybe reused) while the LRU lock was dropped.
WbEntryGone(a) ==
    LET s == TopSlot(a) IN
    /\ WbTop(a, "write")
    /\ zswap_tree[s] # Top(a).entry
    /\ ~NoEntryRecheck
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NoFolio]
    /\ swap_map' = SetPin(s, FALSE)
    /\ stack' = SetTop(a, [Top(a) EXCEPT !.pc = "putback", !.cursor = NoEntry])
    /\ UNCHANGED <<swapped_page, zswap_tree, zswap_lru, swap_device>>

\* zswap_writeback_entry(): "__zswap_load(entry, &folio->page); folio_mark_uptodate(folio);
\* __swap_writepage(folio, &wbc);" then shrink_memcg_cb(): "zswap_invalidate_entry(tree, entry);"
\* (which frees the entry only if it is still in the tree).  Without the
\* re-check (bug 04fc7816089c) the isolated entry's data is written even if
\* the slot now holds another page.
WbWrite(a) ==
    LET s == TopSlot(a)
        e == Top(a).entry
    IN
    /\ WbTop(a, "write")
    /\ zswap_tree[s] = e \/ NoEntryRecheck
    /\ swap_cache' = [swap_cache EXCEPT ![s] = [locked |-> FALSE, uptodate |-> TRUE, data |-> e.data]]
    /\ swap_device' = [swap_device EXCEPT ![s] = DeviceWrite(s, e.data)]
    /\ IF zswap_tree[s] = e THEN Invalidate(s) ELSE UNCHANGED <<zswap_tree, zswap_lru>>
    /\ stack' = PopTop(a)
    /\ UNCHANGED <<swap_map, swapped_page>>

\* shrink_memcg_cb(): "if (writeback_result) { zswap_reject_reclaim_fail++;
\*   zswap_lru_putback(&entry->pool->list_lru, entry); ret = LRU_RETRY; ..."
\* An entry invalidated meanwhile is freed by the final zswap_entry_put(),
\* so only a live entry ends up back on the LRU.  v6.8 puts it at the tail;
\* PUTBACK = "head" is what the thread argued against.
WbPutback(a) ==
    LET s == TopSlot(a)
        e == Top(a).entry
    IN
    /\ WbTop(a, "putback")
    /\ zswap_lru' = IF zswap_tree[s] # e THEN zswap_lru
                    ELSE IF PUTBACK = "tail" THEN Append(zswap_lru, e)
                    ELSE <<e>> \o zswap_lru
    /\ stack' = PopTop(a)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, swap_device>>

(***************************************************************************)
(* Environment: the rest of mm.                                            *)
(***************************************************************************)

\* zswap_store(): "zswap_rb_insert(&tree->rbroot, entry, &dupentry)" and
\* "zswap_lru_add(&entry->pool->list_lru, entry);" for a page that
\* swap_writepage() put in a free slot.  The swap cache folio that carried
\* it there is already gone (reclaim freed it).
SwapOut(s, v) ==
    /\ swap_map[s].count = 0
    /\ ~swap_map[s].has_cache
    /\ IsFreshVersion(v)
    /\ swap_map' = [swap_map EXCEPT ![s].count = 1]
    /\ swapped_page' = [swapped_page EXCEPT ![s] = v]
    /\ zswap_tree' = [zswap_tree EXCEPT ![s] = [slot |-> s, data |-> v]]
    /\ zswap_lru' = Append(zswap_lru, [slot |-> s, data |-> v])
    /\ UNCHANGED <<swap_cache, swap_device, stack>>

\* zap_pte_range(): "if (unlikely(!free_swap_and_cache(entry)))" then swap_range_free():
\* "zswap_invalidate(si->type, offset);": the owner unmaps a swapped-out page.  munmap
\* holds mmap_lock for write, a fault holds it for read: not while a task faults on the slot.
FreeSlot(s) ==
    /\ swap_map[s].count = 1
    /\ \A t \in Tasks : ~FaultsOn(t, s)
    /\ swap_map' = [swap_map EXCEPT ![s].count = 0]
    /\ swapped_page' = [swapped_page EXCEPT ![s] = NoData]
    /\ Invalidate(s)
    /\ swap_device' = [swap_device EXCEPT ![s] = FreedDevice(s)]
    /\ UNCHANGED <<swap_cache, stack>>

\* __remove_mapping(): "__delete_from_swap_cache(folio, swap, shadow); ... put_swap_folio(folio, swap);"
\* (under shrink_folio_list()): reclaim drops a clean folio that nobody is waiting on.
DropCleanFolio(s) ==
    /\ swap_cache[s] # NoFolio
    /\ ~swap_cache[s].locked
    /\ swap_cache[s].uptodate
    /\ \A t \in Tasks : ~(stack[t] # <<>> /\ Top(t).fn = "do_swap_page"
                          /\ Top(t).slot = s /\ Top(t).pc = "hit_wait")
    /\ swap_cache' = [swap_cache EXCEPT ![s] = NoFolio]
    /\ swap_map' = SetPin(s, FALSE)
    /\ UNCHANGED <<swapped_page, zswap_tree, zswap_lru, swap_device, stack>>

(***************************************************************************)
(* Next-state relation and fairness.                                       *)
(***************************************************************************)

\* The steps of a task's own fault (not its reclaim walk).
FaultStep(t) ==
    \/ \E s \in Slots : StartFault(t, s)
    \/ PteChanged(t) \/ RetryFault(t) \/ SwapCacheHit(t) \/ SwapcachePrepare(t)
    \/ ChargeOk(t) \/ ChargeReclaim(t) \/ ChargeFail(t) \/ AddToSwapCache(t)
    \/ SwapReadFolio(t) \/ MapFolio(t)

\* The steps of a reclaim walk and its writeback, in any actor.
WalkStep(a) ==
    \/ LruIsolate(a) \/ ShrinkDone(a)
    \/ WbFolioExists(a) \/ WbSlotFreed(a) \/ WbSkipBusy(a) \/ WbAllocFolio(a)
    \/ WbEntryGone(a) \/ WbWrite(a) \/ WbPutback(a)

ActorNext(a) ==
    \/ a \in Tasks /\ FaultStep(a)
    \/ a \in Shrinkers /\ ShrinkWorker(a)
    \/ WalkStep(a)

Environment ==
    \/ \E s \in Slots, v \in Versions : SwapOut(s, v)
    \/ \E s \in Slots : FreeSlot(s) \/ DropCleanFolio(s)

\* Written out so that TLC labels every edge with the step's own name.
Next ==
    \/ \E t \in Tasks : FaultStep(t)
    \/ \E k \in Shrinkers : ShrinkWorker(k)
    \/ \E a \in Actors : WalkStep(a)
    \/ Environment

\* The kernel's retry loop ("schedule_timeout_uninterruptible(1)", then try
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
    /\ swap_map \in [Slots -> [count : {0, 1}, has_cache : BOOLEAN]]
    /\ swapped_page \in [Slots -> Data]
    /\ swap_cache \in [Slots -> Folio \cup {NoFolio}]
    /\ zswap_tree \in [Slots -> Entry \cup {NoEntry}]
    /\ \A i \in 1..Len(zswap_lru) : zswap_lru[i] \in Entry
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

\* No actor waits on a pin that it holds itself (the thread's deadlock).
NoSelfWait == \A a \in Actors : ~WaitsOn(a, a)

\* No actor waits, through a chain of pin holders, on itself (self-waits included).
NoWaitCycle == \A a \in Actors : a \notin WaitsTransitively(a)

\* No two distinct actors wait, through chains of pin holders, on each other (ABBA).
NoCrossWaitCycle ==
    \A a, b \in Actors :
        a # b => ~(b \in WaitsTransitively(a) /\ a \in WaitsTransitively(b))

\* A swapped-out page's data is in zswap, on the device, or in an uptodate swap-cache folio.
NoDataLoss ==
    \A s \in Slots : swap_map[s].count = 1 =>
        \/ zswap_tree[s] # NoEntry /\ zswap_tree[s].data = swapped_page[s]
        \/ swap_device[s] = swapped_page[s]
        \/ swap_cache[s] # NoFolio /\ swap_cache[s].uptodate
           /\ swap_cache[s].data = swapped_page[s]

\* A fault maps exactly the data of the page it faulted on.
NoStaleData ==
    [][\A t \in Tasks : MapFolio(t) => swap_cache[Top(t).slot].data = Top(t).page]_vars

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
    [][\A a \in Actors : WbSkipBusy(a) => Holds(a, TopSlot(a))]_vars

\* No fault step except the zswap load itself changes the zswap LRU (Yosry).
FaultPathNoLruWork ==
    [][zswap_lru' = zswap_lru \/ \A t \in Tasks : FaultStep(t) => SwapReadFolio(t)]_vars

\* Right after a failed writeback's put-back, the walk's next pick (the LRU head) is another entry if there is one.
WalkMakesProgress ==
    [][\A a \in Actors : WbPutback(a) /\ Len(zswap_lru') > 1 =>
          Head(zswap_lru') # Top(a).entry]_vars

\* A walk continues only from a cursor that is still on the LRU (not freed, not taken by another walk).
WalkCursorLive ==
    [][\A a \in Actors : WbPutback(a) =>
          Top(a).cursor = NoEntry \/ LruHas(Top(a).cursor)]_vars

\* Task t is in do_swap_page (or in the reclaim its charge entered).
Faulting(t) == stack[t] # <<>>

\* Every fault that starts eventually completes or fails.
FaultCompletes == \A t \in Tasks : Faulting(t) ~> ~Faulting(t)

=============================================================================
