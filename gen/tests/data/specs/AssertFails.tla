---------------------------- MODULE AssertFails ----------------------------
(* A TLC Assert in the next-state relation fires on the third state. *)
EXTENDS Naturals, TLC
VARIABLE nr_pages
Init == nr_pages = 0
Next == /\ Assert(nr_pages < 2, "nr_pages overflow")
        /\ nr_pages' = nr_pages + 1
=============================================================================
