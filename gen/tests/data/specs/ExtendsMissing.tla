---- MODULE ExtendsMissing ----
\* EXTENDS a module that does not exist: SANY cannot find its source file.
EXTENDS Naturals, ZswapHelpers
VARIABLE x
Init == x = 0
Next == x' = x
====
