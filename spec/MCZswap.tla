------------------------------ MODULE MCZswap ------------------------------
(***************************************************************************)
(* What only model checking needs.  The models (models/*.cfg) check this   *)
(* module; Zswap.tla stays the protocol.                                   *)
(***************************************************************************)
EXTENDS Zswap, TLC

(* Tasks, shrinkers, slots and versions are interchangeable: no action or  *)
(* property names a particular one, nothing CHOOSEs among them, and a new  *)
(* version is any version referenced nowhere.  So permuting any of them    *)
(* maps behaviours to behaviours and keeps every safety property.  TLC     *)
(* needs the permutations listed; this set generates the whole group.      *)
(* Never used in liveness models: TLC's symmetry is unsound for them.      *)
Symmetry ==
    Permutations(Tasks) \cup Permutations(Shrinkers)
      \cup Permutations(Slots) \cup Permutations(Versions)

(* The whole product group, every combination (|T|!|K|!|S|!|V|! members): *)
(* TLC canonicalises each state under every listed permutation, so this   *)
(* merges more states than Symmetry at a higher cost per state.           *)
FullSymmetry ==
    { (pt @@ pk) @@ (ps @@ pv) :
        pt \in Permutations(Tasks), pk \in Permutations(Shrinkers),
        ps \in Permutations(Slots), pv \in Permutations(Versions) }
=============================================================================
