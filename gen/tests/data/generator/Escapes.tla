---- MODULE Escapes ----
EXTENDS Naturals, Sequences
CONSTANTS A, NoX
VARIABLES x, s, r
Init == x = 0 /\ s = <<>> /\ r = [a \in A |-> NoX]
Inc(a) == x < 2 /\ x' = x + 1 /\ s' = Append(s, "q\"b\\n") /\ r' = [r EXCEPT ![a] = a]
Reset == x = 2 /\ x' = 0 /\ s' = <<>> /\ UNCHANGED r
Next == \E a \in A: Inc(a) \/ Reset
====
