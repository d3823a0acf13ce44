---------------------------- MODULE EvalError ----------------------------
(* Parses and starts, then applies a sequence outside its domain while  *)
(* computing next states: TLC stops with an evaluation error.           *)
EXTENDS Naturals
VARIABLE x
Init == x = 1
Next == x' = <<1, 2>>[x + 1]
=============================================================================
