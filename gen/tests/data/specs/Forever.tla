---------------------------- MODULE Forever ----------------------------
(* Never finishes: the bridge's time limit must stop it, JVM and all. *)
EXTENDS Naturals
VARIABLE swap_out_count
Init == swap_out_count = 0
Next == swap_out_count' = swap_out_count + 1
=============================================================================
