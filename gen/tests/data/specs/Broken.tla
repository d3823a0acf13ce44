---------------------------- MODULE Broken ----------------------------
(* Does not parse: the bridge must report file, line, column and SANY's message. *)
VARIABLE x
Init == x = 0
Next == x' = x + + 1
=============================================================================
