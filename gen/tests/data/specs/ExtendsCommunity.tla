---- MODULE ExtendsCommunity ----
\* EXTENDS a community module (tlaplus/CommunityModules) that TLC 2.15 does not ship.
EXTENDS Naturals, FiniteSetsExt
VARIABLE x
Init == x = 0
Next == x' = x
====
