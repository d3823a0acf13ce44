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

(* Tasks and slots only, for models that pick fresh versions canonically.  *)
TaskSlotSymmetry == Permutations(Tasks) \cup Permutations(Slots)

(* A canonical fresh version: SwapOut takes the first unreferenced version *)
(* in TLC's fixed order of model values instead of any unreferenced one.   *)
(* Override IsFreshVersion with it (cfg: IsFreshVersion <- FirstFresh-     *)
(* Version) instead of listing Versions in SYMMETRY.  Sound for safety:    *)
(* two unreferenced versions appear nowhere in the state, so swapping them *)
(* fixes the state; every SwapOut(s, v) edge is therefore the canonical    *)
(* edge SwapOut(s, c) followed by renaming c and v, and every property is  *)
(* invariant under renaming versions.  It merges what symmetry over        *)
(* Versions would merge at the moment a version is taken, at no cost per   *)
(* state (TLC canonicalises each state under the whole generated group:    *)
(* |Tasks|! |Slots|! |Versions|! = 864 permutations for 3, 3 and 4).       *)
FirstFreshVersion(v) ==
    /\ ~Referenced(v)
    /\ v = CHOOSE w \in {x \in Versions : ~Referenced(x)} : TRUE

(* An abstraction for the deep model: a free slot's device bytes read as  *)
(* NoData (cfg: FreedDevice <- ForgetFreedDevice, DeviceWrite <-          *)
(* ForgetDeviceWrite).  No property reads the device of a free slot; a     *)
(* reused slot starts from NoData instead of stale bytes, and both differ  *)
(* from its new page (fresh version), so NoDataLoss and NoStaleData give   *)
(* the same verdict on every step.  The one other effect is that a version *)
(* held only by stale bytes becomes fresh again: SwapOut gets more choices, *)
(* never fewer.  Every behaviour of the spec thus maps, step by step, to a *)
(* behaviour of the abstraction with the same verdicts (the abstraction   *)
(* may have more behaviours), so a success here is a success of the spec. *)
(* The SWP_SYNCHRONOUS_IO bypass on (cfg: SyncIO <- SyncIOOn): every     *)
(* swap-in that misses the swap cache skips it (Zswap.tla, SyncIO).       *)
SyncIOOn == TRUE
(* v6.8's shared (non-exclusive) loads (cfg: ExclusiveLoads <- Exclusive-  *)
(* LoadsOff; Zswap.tla, ExclusiveLoads), and the redirtied page's second   *)
(* store (cfg: Redirty <- RedirtyOn; Zswap.tla, SwapOutAgain).             *)
ExclusiveLoadsOff == FALSE
RedirtyOn == TRUE
(* 6.12's swap-out folio left in the swap cache after the store (cfg:      *)
(* KeepSwapOutFolio <- KeepSwapOutFolioOn; Zswap.tla, SwapOutKeepCache),   *)
(* and a clean kept folio reclaimed with no store (cfg: CleanReclaim <-    *)
(* CleanReclaimOn; Zswap.tla, UnmapCleanFolio).                           *)
KeepSwapOutFolioOn == TRUE
CleanReclaimOn == TRUE

(* Use count 2 on (cfg: SwapShared <- SwapSharedOn): a page shared after   *)
(* fork, two PTEs (Zswap.tla, SwapShared; spec/README.md "Use count above 1"). *)
SwapSharedOn == TRUE

(* v6.18's unuse_pte() re-check (cfg: UnuseMatchesSwapEntry <-            *)
(* UnuseMatchesSwapEntryOn; Zswap.tla, UnuseFolioGone).                   *)
UnuseMatchesSwapEntryOn == TRUE

ForgetFreedDevice(s) == NoData
ForgetDeviceWrite(s, d) == IF swap_map[s].count = 1 THEN d ELSE NoData

(* A VIEW that renames versions by order of first appearance, for models  *)
(* that use TaskSlotSymmetry and FirstFreshVersion.  TLC fingerprints the *)
(* view of the state it reached, so two states get one fingerprint when   *)
(* they differ only in the names of their versions (after TLC has taken   *)
(* the least state under the task and slot permutations).  Sound for the  *)
(* same reason as symmetry: renaming versions maps behaviours to          *)
(* behaviours and keeps every property, so exploring one state of such a  *)
(* pair explores both.  It costs one pass over the state instead of       *)
(* |Versions|! permutations.                                              *)
RECURSIVE SeqOfSet(_)
SeqOfSet(S) == IF S = {} THEN <<>>
               ELSE LET x == CHOOSE y \in S : TRUE IN <<x>> \o SeqOfSet(S \ {x})

SlotOrder  == SeqOfSet(Slots)
ActorOrder == SeqOfSet(Actors)
VersionOrder == SeqOfSet(Versions)

EntryData(e) == IF e = NoEntry THEN NoData ELSE e.data
FolioData(f) == IF f = NoFolio THEN NoData ELSE f.data
FrameData(f) ==
    IF f.fn = "do_swap_page" THEN <<f.page>>
    ELSE IF f.fn = "zswap_writeback_entry" THEN <<f.entry.data, EntryData(f.cursor)>>
    ELSE <<>>

RECURSIVE Flatten(_)
Flatten(seqs) == IF seqs = <<>> THEN <<>> ELSE Head(seqs) \o Flatten(Tail(seqs))

\* Every version field of the state, in a fixed order of slots and actors.
VersionFields ==
    Flatten(<<Flatten([i \in 1..Len(SlotOrder) |->
                  LET s == SlotOrder[i] IN
                  <<swapped_page[s], EntryData(zswap_tree[s]),
                    FolioData(swap_cache[s]), swap_device[s]>>]),
              [i \in 1..Len(zswap_lru) |-> zswap_lru[i].data],
              Flatten([i \in 1..Len(ActorOrder) |->
                  LET a == ActorOrder[i] IN
                  Flatten([j \in 1..Len(stack[a]) |-> FrameData(stack[a][j])])])>>)

\* The versions of the state, each once, in order of first appearance.  No
\* recursion over the fields: TLC's interpreter looks up every name through
\* the chain of enclosing calls, so a recursion as deep as the state is long
\* costs quadratic time; SelectSeq and the quantifier loop in Java.
FirstSeen(fields) ==
    LET G == SelectSeq(fields, LAMBDA x : x \in Versions)
        firsts == SelectSeq([i \in 1..Len(G) |-> i],
                            LAMBDA i : \A j \in 1..(i - 1) : G[j] # G[i])
    IN [k \in 1..Len(firsts) |-> G[firsts[k]]]

VersionView ==
    LET seen == FirstSeen(VersionFields)
        \* The k-th version seen is renamed to the k-th version in TLC's order.
        ren == [v \in Versions |->
                  LET ks == {k \in 1..Len(seen) : seen[k] = v} IN
                  IF ks = {} THEN v ELSE VersionOrder[CHOOSE k \in ks : TRUE]]
        RV(x) == IF x \in Versions THEN ren[x] ELSE x
        RE(e) == IF e = NoEntry THEN e ELSE [e EXCEPT !.data = ren[@]]
        RF(f) == IF f = NoFolio THEN f ELSE [f EXCEPT !.data = RV(@)]
        RFrame(f) ==
            IF f.fn = "do_swap_page" THEN [f EXCEPT !.page = ren[@]]
            ELSE IF f.fn = "zswap_writeback_entry"
                 THEN [f EXCEPT !.entry = RE(@), !.cursor = RE(@)]
            ELSE f
    IN \* Most states already name their versions in order: skip the rebuild
       \* (the same value, so the same fingerprint).
       IF \A k \in 1..Len(seen) : seen[k] = VersionOrder[k]
       THEN <<swap_map, swapped_page, swap_cache, zswap_tree, zswap_lru,
              zswap_referenced, swap_device, stack>>
       ELSE <<swap_map,
              [s \in Slots |-> RV(swapped_page[s])],
              [s \in Slots |-> RF(swap_cache[s])],
              [s \in Slots |-> RE(zswap_tree[s])],
              [i \in 1..Len(zswap_lru) |-> RE(zswap_lru[i])],
              zswap_referenced,
              [s \in Slots |-> RV(swap_device[s])],
              [a \in Actors |-> [j \in 1..Len(stack[a]) |-> RFrame(stack[a][j])]]>>

(* Folded steps for the deep models: each merges a step that no other      *)
(* actor and no property can observe into the actor's next step, which    *)
(* always follows it.  Such a step commutes with every step of every other *)
(* actor (it reads and writes only its own actor's top frame, in a way no  *)
(* guard of another actor and no property distinguishes), so every         *)
(* behaviour of the spec can be reordered to take it right before (or     *)
(* after) its neighbour, and each state the folding skips has the same    *)
(* invariant values as a state it keeps (Lipton's reduction).  Action     *)
(* properties still see the steps they name: WbPutback and WbWrite are    *)
(* the folded actions themselves.  Safety only: liveness models never     *)
(* fold.                                                                   *)
(*                                                                         *)
(* 1. ShrinkDone at budget 0 (cfg: PopTop <- PopTopFoldingShrinkDone).    *)
(*    When zswap_writeback_entry's frame pops (WbWrite, WbPutback) onto a  *)
(*    walk frame with no budget left, the walk returns in the same step:   *)
(*    list_lru_walk_one() stops on [6.12 mm/list_lru.c:230-231]            *)
(*    "if (!*nr_to_walk) break;", the actor                                *)
(*    has no other step in between.  The skipped state differs only in the *)
(*    top frames of the actor, which holds and waits on the same slots in  *)
(*    both (a task's swap-in frame is at "charge"/"charge_retry", both in  *)
(*    HolderPcs; a walk frame is never BlockedOn).  ShrinkDone's WalkReturn.*)
PopTopFoldingShrinkDone(a) ==
    LET rest == Popped(a) IN
    IF /\ rest # <<>>
       /\ rest[Len(rest)].fn = "shrink_memcg_cb"
       /\ rest[Len(rest)].budget = 0
    THEN [stack EXCEPT ![a] = WalkReturn(a)]
    ELSE [stack EXCEPT ![a] = rest]

(* 2. ChargeOk followed by AddToSwapCache (cfg: ChargeOk <- ChargeOkAdd-   *)
(*    ToSwapCache).  The state at "add" differs from the one at "charge"  *)
(*    only in the pc, and both pcs hold the pin and wait on nothing;      *)
(*    AddToSwapCache is the task's only step at "add" and always enabled  *)
(*    there.  With swap_table the folio is in the cache already and this  *)
(*    is ChargeOk unchanged.                                               *)
ChargeOkAddToSwapCache(t) ==
    LET s == Top(t).slot IN
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc \in {"charge", "charge_retry"}
    /\ swap_cache' = IF SwapTable THEN swap_cache
                     ELSE [swap_cache EXCEPT ![s] = NewFolio]
    /\ zswap_lru' = IF SwapTable THEN zswap_lru ELSE LruReinsert(Top(t))
    /\ stack' = SetTop(t, [Top(t) EXCEPT !.pc = "read"])
    /\ UNCHANGED <<swap_map, swapped_page, zswap_tree, zswap_referenced, swap_device>>

(* 3. A walk's start with its first step (cfg: ChargeReclaim <- Charge-     *)
(*    ReclaimWalking, ShrinkWorker <- ShrinkWorkerWalking; the rotate deep  *)
(*    model and its reduced_* models).  ChargeReclaim and ShrinkWorker      *)
(*    write only their actor's stack, and no other actor's guard reads it   *)
(*    (FreeSlot and DropCleanFolio read a task's swap-in frame, which stays *)
(*    at "charge", a HolderPc, either way), so each moves right past every  *)
(*    other actor's step: ChargeReclaim is always enabled at "charge";       *)
(*    ShrinkWorker needs a non-empty LRU, and if the LRU is empty by the    *)
(*    shrinker's next step that step is ShrinkDone, which undoes the start:  *)
(*    the pair is dropped.  The skipped state has a fresh walk frame on      *)
(*    top, which Holds and BlockedOn do not read (a walk frame is never     *)
(*    blocked), so its invariants are those of the state before.  The next *)
(*    step is the walk's LruIsolate or ShrinkDone (exactly one is enabled),  *)
(*    written out here for the fresh frame.  Action properties that name    *)
(*    those steps get the folded step too (RotateToTailFolded,              *)
(*    FaultPathNoLruWorkFolded below).                                      *)
WalkStart == [fn |-> "shrink_memcg_cb", budget |-> SCAN_BUDGET]
FirstWalkStep(a) ==
    LET r == IF Rotate THEN LeadingReferenced ELSE 0
        lru == IF Rotate THEN RotateLru(r) ELSE zswap_lru
        e == Head(lru)
        cursor == IF LruSkipBug /\ a \in Tasks /\ Len(zswap_lru) > 1
                  THEN zswap_lru[2] ELSE NoEntry
        \* ShrinkDone's rotations: SCAN_BUDGET <= LeadingReferenced there.
        rd == IF Rotate /\ zswap_lru # <<>> THEN SCAN_BUDGET ELSE 0
    IN IF zswap_lru # <<>> /\ SCAN_BUDGET > r
       THEN \* LruIsolate
            /\ zswap_lru' = IF Rotate THEN Append(Tail(lru), e) ELSE Tail(lru)
            /\ zswap_referenced' = ClearReferenced(r)
            /\ stack' = [stack EXCEPT ![a] =
                   Append(stack[a], [WalkStart EXCEPT !.budget = @ - r - 1]) \o
                   <<[fn |-> "zswap_writeback_entry", entry |-> e,
                      pc |-> "prepare", cursor |-> cursor]>>]
       ELSE \* ShrinkDone
            /\ zswap_lru' = RotateLru(rd)
            /\ zswap_referenced' = ClearReferenced(rd)
            /\ stack' = [stack EXCEPT ![a] = WalkReturn(a)]

ChargeReclaimWalking(t) ==
    /\ TopIs(t, "do_swap_page")
    /\ Top(t).pc = "charge"
    /\ FirstWalkStep(t)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, swap_device>>

ShrinkWorkerWalking(k) ==
    /\ stack[k] = <<>>
    /\ zswap_lru # <<>>
    /\ FirstWalkStep(k)
    /\ UNCHANGED <<swap_map, swapped_page, swap_cache, zswap_tree, swap_device>>

\* The step is a's LruIsolate, alone or folded with its walk's start.
WalkTakes(a) ==
    \/ LruIsolate(a)
    \/ /\ \/ a \in Tasks /\ ChargeReclaim(a)
          \/ a \in Shrinkers /\ ShrinkWorker(a)
       /\ Len(stack'[a]) = Len(stack[a]) + 2

\* RotateToTail (Zswap.tla) on the isolations, folded ones included.
RotateToTailFolded ==
    [][\A a \in Actors : Rotate /\ WalkTakes(a) =>
          /\ Len(zswap_lru') = Len(zswap_lru)
          /\ zswap_lru'[Len(zswap_lru')] = stack'[a][Len(stack'[a])].entry
          /\ \A s \in Slots : zswap_referenced'[s] => zswap_referenced[s]]_vars

\* FaultPathNoLruWork (Zswap.tla) where ChargeReclaim carries its walk's
\* first step: the LRU work of that step is the walk's.  (ChargeReclaim
\* itself leaves the LRU alone: UNCHANGED zswap_lru in Zswap.tla, checked
\* by the unfolded models rotate and rotate_fault_cost.)
FaultPathNoLruWorkFolded ==
    [][zswap_lru' = zswap_lru \/
       \A t \in Tasks : FaultStep(t) => SwapReadFolio(t) \/ ChargeReclaim(t)]_vars

(* 4. LRU_STOP with the walk's return (cfg: LruStop <- LruStopReturning;   *)
(*    the rotate deep model and its reduced_* models).  LruStop leaves the *)
(*    walk frame on top with budget 0; the actor's one step from there is  *)
(*    ShrinkDone (LruIsolate needs budget > 0), always enabled, and at      *)
(*    budget 0 it rotates nothing and writes only the actor's stack: the    *)
(*    same step that fold 1 merges into WbWrite and the other failures.     *)
(*    The skipped state differs from the one after only in the actor's top  *)
(*    frames (a walk frame at budget 0 or the charge frame at               *)
(*    "charge_retry": same Holds and BlockedOn).  With SCAN_BUDGET = 1 the  *)
(*    walk's budget is 0 already when its writeback fails, so LRU_STOP and  *)
(*    LRU_RETRY leave the same stack and this is fold 1 on the LRU_STOP     *)
(*    branch.  WalkStopsAtSwapCacheFolded below is WalkStopsAtSwapCache    *)
(*    with the walk frame gone counting as stopped.                         *)
LruStopReturning(a) == [stack EXCEPT ![a] = WalkReturn(a)]

\* WalkStopsAtSwapCache (Zswap.tla) where LRU_STOP carries the walk's return.
WalkStopsAtSwapCacheFolded ==
    [][\A a \in Actors : Rotate /\ WbFolioExists(a) /\ ScanWalk(a, Len(stack[a]) - 1) =>
          \/ Len(stack'[a]) < Len(stack[a]) - 1
          \/ stack'[a][Len(stack'[a])].budget = 0]_vars

(* An abstraction for the rotate deep model: no entry is ever referenced   *)
(* (cfg: EntryReferenced <- NeverReferenced), so a walk never gives a      *)
(* second chance and writes the head back at once.  An over-approximation *)
(* when SCAN_BUDGET = 1 and writeback passes skip_if_exists (the deep      *)
(* model; the reduced_* models check it against bugs): a walk can then   *)
(* rotate only when its whole budget goes on the referenced head           *)
(* (LruIsolate needs budget > rotations), so the spec's second chance is   *)
(* ShrinkDone moving the head to the tail, clearing its bit, and returning *)
(* the walk.  The abstraction reaches the same state in two steps: it      *)
(* takes the head to the tail (LruIsolate, budget 0), and its writeback    *)
(* fails at once, because at "prepare" one of WbFolioExists (a folio in    *)
(* the cache), WbSlotFreed (use count 0) and WbAllocFail (use count 1;     *)
(* skip_if_exists makes it enabled whoever holds the pin) is always        *)
(* enabled, and each returns the walk (its budget is 0).  The state in     *)
(* between differs from the one after only in the walker's frames, and a   *)
(* writeback frame at "prepare" neither holds a pin nor is BlockedOn       *)
(* (skip_if_exists), so every invariant has the same value there.  No      *)
(* guard but the walk's reads the bit, and no invariant reads it; the      *)
(* action properties hold on the extra steps (RotateToTail: the entry goes *)
(* to the tail, no bit is set; WalkStopsAtSwapCache: WbFolioExists ends a  *)
(* task's walk).  Every behaviour of the spec thus maps to a behaviour of  *)
(* the abstraction with the same verdicts (the abstraction may have more), *)
(* so a success here is a success of the spec.  The bits then equal "the   *)
(* slot has an entry" and no longer multiply the states.  The second      *)
(* chance itself is checked by rotate, conf_rotate and the mutants.       *)
NeverReferenced(e) == FALSE

(* A witness, expected to be violated (model witness_rotate_lru_stop): its  *)
(* counterexample is a trace through LRU_STOP with budget left, which the   *)
(* generated suite replays (no conformance graph small enough reaches it). *)
\* A task's walk never ends early because its writeback met a swap-cache folio.
NoEarlyLruStop ==
    [][\A t \in Tasks : Rotate /\ WbFolioExists(t) => stack[t][Len(stack[t]) - 1].budget = 0]_vars
(* For the generated suite (gen/generators/generate.py): TLC's own verdict  *)
(* of who waits on which slot and who holds it, printed for every state of *)
(* a conformance graph, so replay compares the implementation's blocked()  *)
(* and holders() with the spec's BlockedOn and Holds, not with a copy.      *)
WaitGraph ==
    [blocked |-> {p \in Actors \X Slots : BlockedOn(p[1], p[2])},
     holds   |-> {p \in Actors \X Slots : Holds(p[1], p[2])}]
WaitGraphPrinted == PrintT(<<"wait-graph", vars, WaitGraph>>)

(* A witness for SwapShared (witness_shared_handoff): the state in which  *)
(* the folio a shared slot's first fault mapped and left in the swap cache *)
(* is the only copy of the other PTE's page (the load was exclusive, the   *)
(* device has no copy).  TLC's trace to it shows the shared fault taking   *)
(* the swap cache with SyncIO on.                                         *)
NoSharedFolioHandoff ==
    ~\E s \in Slots :
        /\ swap_map[s].count = 1 /\ swap_cache[s] # NoFolio /\ ~swap_cache[s].locked
        /\ zswap_tree[s] = NoEntry /\ swap_device[s] # swapped_page[s]

(* Witnesses for 6.12's duplicate store (witness_rotate_duplicate_store)  *)
(* and for a clean kept folio reclaimed while zswap still holds its data  *)
(* (witness_rotate_clean_reclaim): each property says the path is never   *)
(* taken, so TLC's counterexample is the shortest way to it.              *)
NoDuplicateStore ==
    [][\A s \in Slots, v \in Versions :
          SwapOutAgain(s, v) \/ SwapOutAgainRejected(s, v) => zswap_tree[s] = NoEntry]_vars
NoCleanReclaimFromZswap ==
    [][\A s \in Slots : UnmapCleanFolio(s) => zswap_tree[s] = NoEntry]_vars
(* The witnesses take FreeSlot away (cfg: FreeSlot <- NeverFreeSlot): a    *)
(* kept folio whose page was unmapped has the same state as one whose page *)
(* is mapped, and Redirty's steps and UnmapCleanFolio accept both (an      *)
(* over-approximation, Zswap.tla KeptFolio); without munmap the trace must *)
(* go through a fault that kept the folio, the kernel's way.               *)
NeverFreeSlot(s) == FALSE

=============================================================================
