---------------------------- MODULE Huge ----------------------------
(* Far too many initial states for a small heap: TLC runs out of memory. *)
EXTENDS Naturals
VARIABLE pages
Init == pages \in [1..40 -> SUBSET (1..20)]
Next == UNCHANGED pages
=============================================================================
