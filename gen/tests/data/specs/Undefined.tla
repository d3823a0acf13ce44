---------------------------- MODULE Undefined ----------------------------
(* Parses, but names an operator nobody defined: a semantic error. *)
VARIABLE x
Init == x = 0
Next == x' = zswap_entry_count
=============================================================================
