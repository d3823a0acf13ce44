---------------------------- MODULE SlotPin ----------------------------
(* Tasks faulting on one swap slot race to pin it with SWAP_HAS_CACHE    *)
(* (swapcache_prepare in mm/swapfile.c); only the pin holder may add its  *)
(* folio to the swap cache.  A small spec for the bridge's own tests:     *)
(* CHECK_PIN = FALSE drops the test of the pin, as a buggy kernel would.  *)
EXTENDS Naturals, FiniteSets

CONSTANTS Tasks, CHECK_PIN

\* A model with no faulting task checks nothing.
ASSUME Tasks # {}

VARIABLES has_cache, pc
vars == <<has_cache, pc>>

Init == has_cache = FALSE /\ pc = [t \in Tasks |-> "idle"]

\* do_swap_page: the task faults on the slot.
StartFault(t) == /\ pc[t] = "idle"
                 /\ pc' = [pc EXCEPT ![t] = "lookup"]
                 /\ UNCHANGED has_cache

\* swapcache_prepare: pin the slot unless someone holds the pin.
SwapcachePrepare(t) == /\ pc[t] = "lookup"
                       /\ CHECK_PIN => ~has_cache
                       /\ has_cache' = TRUE
                       /\ pc' = [pc EXCEPT ![t] = "add"]

\* swapcache_clear: the folio is in; drop the pin.
SwapcacheClear(t) == /\ pc[t] = "add"
                     /\ has_cache' = FALSE
                     /\ pc' = [pc EXCEPT ![t] = "idle"]

Next == \E t \in Tasks : StartFault(t) \/ SwapcachePrepare(t) \/ SwapcacheClear(t)

Spec == Init /\ [][Next]_vars
        /\ \A t \in Tasks : WF_vars(SwapcachePrepare(t)) /\ WF_vars(SwapcacheClear(t))
SpecUnfair == Init /\ [][Next]_vars

\* At most one task holds the pin.
OnePinHolder == Cardinality({t \in Tasks : pc[t] = "add"}) <= 1

\* A task only takes the pin when it was free.
PinTakenWhenFree == [][\A t \in Tasks : pc[t] = "lookup" /\ pc'[t] = "add" => ~has_cache]_vars

\* Every fault eventually completes (fails: another task can take the pin forever).
FaultCompletes == \A t \in Tasks : pc[t] = "lookup" ~> pc[t] = "idle"
=============================================================================
