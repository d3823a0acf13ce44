"""Mutants of the real 6.12 C, each run against the generated rotate suite (--impl=kernel).

    python -m conformance.kernel.mutants [--only NAME]

Each mutant is a small edit of an extracted 6.12 function, of the kinds
kernel fixes undo, written as a .patch (build/kernel-c/mutants/NAME.patch)
and built as its own harness.  A mutant is killed when the suite fails
(a mismatch with TLC's graph, a kernel BUG or a sanitizer report).  Prints
the table.  ~1 min a mutant.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import time
from pathlib import Path

from .build import BUILD, ROOT, build

SWAPOFF_SUITE = "conformance/generated/test_conf_swapoff_rotate.py"

# (name, file, [(old, new)], what it undoes)
MUTANTS = [
    (
        "no_second_chance",
        "mm/zswap.c",
        [("\tif (entry->referenced) {", "\tif (0 && entry->referenced) {")],
        "shrink_memcg_cb ignores the referenced bit",
    ),
    (
        "no_move_tail",
        "mm/zswap.c",
        [("\tlist_move_tail(item, &l->list);\n\n\t/*\n\t * Once the lru lock", "\t;\n\n\t/*\n\t * Once the lru lock")],
        "shrink_memcg_cb leaves the entry at the head (no list_move_tail)",
    ),
    (
        "no_lru_stop",
        "mm/zswap.c",
        [("\t\t\tret = LRU_STOP;", "\t\t\tret = LRU_RETRY;")],
        "-EEXIST never stops a task's walk",
    ),
    (
        "no_skip_if_exists",
        "mm/zswap.c",
        [("NO_INTERLEAVE_INDEX, &folio_was_allocated, true);", "NO_INTERLEAVE_INDEX, &folio_was_allocated, false);")],
        "a65b0e7607cc undone: writeback waits on a held pin",
    ),
    (
        "no_recheck",
        "mm/zswap.c",
        [
            (
                "\tif (entry != xa_cmpxchg(tree, offset, entry, NULL, GFP_KERNEL)) {",
                "\txa_cmpxchg(tree, offset, entry, NULL, GFP_KERNEL);\n\tif (0) {",
            )
        ],
        "04fc7816089c undone: no re-check of the tree entry",
    ),
    (
        "no_folio_cleanup",
        "mm/zswap.c",
        [
            (
                "\t\tdelete_from_swap_cache(folio);\n\t\tfolio_unlock(folio);\n\t\tfolio_put(folio);\n",
                "\t\tdelete_from_swap_cache(folio);\n",
            )
        ],
        "e3b63e966cac undone: the re-check's failure path strands its folio locked",
    ),
    (
        "free_after_write",
        "mm/zswap.c",
        [
            ("\tzswap_entry_free(entry);\n\n\t/* folio is up to date */", "\t/* folio is up to date */"),
            (
                "\t__swap_writepage(folio, &wbc);\n\tfolio_put(folio);",
                "\t__swap_writepage(folio, &wbc);\n\tzswap_entry_free(entry);\n\tfolio_put(folio);",
            ),
        ],
        "the entry is freed after the write starts, not before",
    ),
    (
        "load_not_exclusive",
        "mm/zswap.c",
        [("\tbool swapcache = folio_test_swapcache(folio);", "\tbool swapcache = false;")],
        "zswap_load keeps the entry for a swap-cache folio",
    ),
    (
        "store_unreferenced",
        "mm/zswap.c",
        [("\tentry->referenced = true;", "\tentry->referenced = false;")],
        "zswap_store does not set the referenced bit",
    ),
    (
        "free_keeps_lru",
        "mm/zswap.c",
        [("\tzswap_lru_del(&zswap_list_lru, entry);\n\tzpool_free", "\tzpool_free")],
        "zswap_entry_free leaves the entry on the LRU",
    ),
    (
        "no_swapcount_check",
        "mm/swap_state.c",
        [
            (
                "\t\tif (!swap_swapcount(si, entry) && swap_slot_cache_enabled)",
                "\t\tif (0 && !swap_swapcount(si, entry) && swap_slot_cache_enabled)",
            )
        ],
        "__read_swap_cache_async reads a freed slot",
    ),
    (
        "charge_fail_keeps_pin",
        "mm/swap_state.c",
        [("fail_unlock:\n\tput_swap_folio(new_folio, entry);", "fail_unlock:\n\t;")],
        "a failed charge leaves SWAP_HAS_CACHE set",
    ),
    (
        "rotate_no_move",
        "mm/list_lru.c",
        [("\t\tcase LRU_ROTATE:\n\t\t\tlist_move_tail(item, &l->list);", "\t\tcase LRU_ROTATE:\n\t\t\t;")],
        "the walk does not move a rotated entry to the tail",
    ),
    # swapoff (mm/swapfile.c, mm/zswap.c): run against the swapoff suite (SUITE_OF)
    (
        "unuse_maps_not_uptodate",
        "mm/swapfile.c",
        [("\tif (unlikely(hwpoisoned || !folio_test_uptodate(folio))) {", "\tif (unlikely(hwpoisoned)) {")],
        "unuse_pte maps a folio that is not uptodate",
    ),
    (
        "unuse_no_free_swap",
        "mm/swapfile.c",
        [
            (
                "\t\tfolio_free_swap(folio);\n\t\tfolio_unlock(folio);\n\t\tfolio_put(folio);\n\t} while",
                "\t\tfolio_unlock(folio);\n\t\tfolio_put(folio);\n\t} while",
            )
        ],
        "unuse_pte_range leaves the swapped-in folio in the swap cache",
    ),
    (
        "swapoff_keeps_trees",
        "mm/zswap.c",
        [("\tnr_zswap_trees[type] = 0;\n\tzswap_trees[type] = NULL;", "\tnr_zswap_trees[type] = 0;")],
        "zswap_swapoff frees the trees but leaves the pointer",
    ),
]


# Mutants that the rotate suite cannot reach: the suite that runs against them instead of --suite.
SUITE_OF = {name: SWAPOFF_SUITE for name in ("unuse_maps_not_uptodate", "unuse_no_free_swap", "swapoff_keeps_trees")}


def write_patch(tree: Path, name: str, path: str, edits: list[tuple[str, str]]) -> Path:
    text = (tree / path).read_text()
    new = text
    for old, repl in edits:
        if new.count(old) != 1:
            raise SystemExit(f"mutant {name}: {old!r} occurs {new.count(old)} times in {path}")
        new = new.replace(old, repl)
    diff = difflib.unified_diff(text.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}")
    out = BUILD / "mutants" / f"{name}.patch"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(diff))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument(
        "--suite",
        default="conformance/generated/test_conf_rotate.py",
        help="what runs against each mutant (pytest arguments, space-separated)",
    )
    parser.add_argument(
        "--memo",
        choices=("state", "log"),
        default="state",
        help="how the suite memoizes trials (KC_MEMO): by the C's state key (default here: the fast path, whose "
        "power to kill is what is measured) or by step log (a patched build's default)",
    )
    args = parser.parse_args()
    build()
    tree = BUILD / "src" / "linux-source-6.12"
    rows = []
    for name, path, edits, what in MUTANTS:
        if args.only and name not in args.only:
            continue
        patch = write_patch(tree, name, path, edits)
        start = time.monotonic()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-x",
                "-p",
                "no:cacheprovider",
                "--impl=kernel",
                f"--kernel-patch={patch}",
                *SUITE_OF.get(name, args.suite).split(),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "KERNEL_GRAPHS": "all", "KC_MEMO": args.memo},
        )
        tail = [line for line in run.stdout.splitlines() if "passed" in line or "failed" in line or "error" in line]
        how = "killed" if run.returncode == 1 else ("SURVIVED" if run.returncode == 0 else f"error {run.returncode}")
        reason = ""
        for line in run.stdout.splitlines():
            if (
                "heap-use-after-free" in line
                or "KERNEL BUG" in line
                or "ReplayMismatch:" in line
                or "harness died" in line
                or "AssertionError: state" in line
            ):
                reason = line.strip()[:110]
                break
        rows.append((name, what, how, f"{time.monotonic() - start:.0f} s", tail[-1] if tail else "", reason))
        print(f"{name:22} {how:9} {rows[-1][3]:>5}  {rows[-1][4]}  {reason}", flush=True)
    print("\n| mutant | what it undoes | result | first failure |\n|---|---|---|---|")
    for name, what, how, _t, _tail, reason in rows:
        print(f"| `{name}` | {what} | {how} | {reason.replace('|', '/')} |")
    return 0 if all(r[2] == "killed" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
