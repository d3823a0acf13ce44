---------------------------- MODULE ZswapMini ----------------------------
(* A benchmark model, not a protocol model: zswap-shaped state (records,  *)
(* functions of model values, an LRU sequence, sets) with a few hundred    *)
(* thousand reachable states, so state labels look like the real spec's.  *)
EXTENDS Naturals, Sequences

CONSTANTS Slots, Versions, NoEntry, NoFolio, NoData

VARIABLES swap_map, zswap_tree, zswap_lru, swap_cache, swap_device, used
vars == <<swap_map, zswap_tree, zswap_lru, swap_cache, swap_device, used>>

Entry(s, v) == [slot |-> s, data |-> v]

Init == /\ swap_map = [s \in Slots |-> [count |-> 0, has_cache |-> FALSE]]
        /\ zswap_tree = [s \in Slots |-> NoEntry]
        /\ zswap_lru = <<>>
        /\ swap_cache = [s \in Slots |-> NoFolio]
        /\ swap_device = [s \in Slots |-> NoData]
        /\ used = {}

\* zswap_store: a page with fresh data goes out to slot s.
SwapOut(s, v) == /\ swap_map[s].count = 0 /\ ~swap_map[s].has_cache /\ v \notin used
                 /\ swap_map' = [swap_map EXCEPT ![s].count = 1]
                 /\ zswap_tree' = [zswap_tree EXCEPT ![s] = Entry(s, v)]
                 /\ zswap_lru' = Append(zswap_lru, Entry(s, v))
                 /\ used' = used \cup {v}
                 /\ UNCHANGED <<swap_cache, swap_device>>

\* zswap_writeback_entry: the LRU head is written to the device.
Writeback == /\ zswap_lru # <<>>
             /\ LET e == Head(zswap_lru) IN
                /\ swap_device' = [swap_device EXCEPT ![e.slot] = e.data]
                /\ zswap_tree' = [zswap_tree EXCEPT ![e.slot] = NoEntry]
             /\ zswap_lru' = Tail(zswap_lru)
             /\ UNCHANGED <<swap_map, swap_cache, used>>

\* do_swap_page: the page comes back through the swap cache.
SwapIn(s) == /\ swap_map[s].count = 1 /\ swap_cache[s] = NoFolio
             /\ LET data == IF zswap_tree[s] # NoEntry THEN zswap_tree[s].data ELSE swap_device[s] IN
                swap_cache' = [swap_cache EXCEPT ![s] = [locked |-> FALSE, uptodate |-> TRUE, data |-> data]]
             /\ swap_map' = [swap_map EXCEPT ![s] = [count |-> 0, has_cache |-> TRUE]]
             /\ zswap_tree' = [zswap_tree EXCEPT ![s] = NoEntry]
             /\ zswap_lru' = SelectSeq(zswap_lru, LAMBDA e : e.slot # s)
             /\ UNCHANGED <<swap_device, used>>

\* The clean folio leaves the swap cache.
DropFolio(s) == /\ swap_cache[s] # NoFolio
                /\ swap_cache' = [swap_cache EXCEPT ![s] = NoFolio]
                /\ swap_map' = [swap_map EXCEPT ![s].has_cache = FALSE]
                /\ UNCHANGED <<zswap_tree, zswap_lru, swap_device, used>>

Next == \/ \E s \in Slots, v \in Versions : SwapOut(s, v)
        \/ Writeback
        \/ \E s \in Slots : SwapIn(s) \/ DropFolio(s)
=============================================================================
