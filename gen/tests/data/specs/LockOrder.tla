---------------------------- MODULE LockOrder ----------------------------
(* An ABBA deadlock: writeback locks the folio then takes the pin, swap-in *)
(* takes the pin then locks the folio.  Each ends up waiting on the other. *)
VARIABLES folio_locked_by, pin_held_by, pc
vars == <<folio_locked_by, pin_held_by, pc>>
Nobody == "nobody"

Init == /\ folio_locked_by = Nobody /\ pin_held_by = Nobody
        /\ pc = [a \in {"writeback", "swapin"} |-> "start"]

\* Writeback: folio lock first, then the pin; the work done, release both.
Writeback == \/ /\ pc["writeback"] = "start" /\ folio_locked_by = Nobody
                /\ folio_locked_by' = "writeback" /\ UNCHANGED pin_held_by
                /\ pc' = [pc EXCEPT !["writeback"] = "locked"]
             \/ /\ pc["writeback"] = "locked" /\ pin_held_by = Nobody
                /\ folio_locked_by' = Nobody /\ UNCHANGED pin_held_by
                /\ pc' = [pc EXCEPT !["writeback"] = "done"]

\* Swap-in: the pin first, then the folio lock; the work done, release both.
SwapIn == \/ /\ pc["swapin"] = "start" /\ pin_held_by = Nobody
             /\ pin_held_by' = "swapin" /\ UNCHANGED folio_locked_by
             /\ pc' = [pc EXCEPT !["swapin"] = "pinned"]
          \/ /\ pc["swapin"] = "pinned" /\ folio_locked_by = Nobody
             /\ pin_held_by' = Nobody /\ UNCHANGED folio_locked_by
             /\ pc' = [pc EXCEPT !["swapin"] = "done"]

\* Both finished: start over.
Restart == /\ pc["writeback"] = "done" /\ pc["swapin"] = "done"
           /\ pc' = [a \in {"writeback", "swapin"} |-> "start"]
           /\ UNCHANGED <<folio_locked_by, pin_held_by>>

Next == Writeback \/ SwapIn \/ Restart
=============================================================================
