"""A reference implementation of zswap swap-in / writeback, shaped like the kernel code."""
