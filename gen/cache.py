"""``python -m gen cache``: what TLC's result cache holds, and pruning it.

    python -m gen cache                       # entries, size, the oldest and newest use
    python -m gen cache prune --keep 100      # only the 100 most recently used entries
    python -m gen cache prune --days 14       # drop entries unused for 14 days
    python -m gen cache prune --max-mb 500    # the least recently used go until it fits

The options combine (an entry goes if any of them says so).  Every store
already prunes to ``$GEN_CACHE_MAX_MB`` (gen.bridge.cache), so this is for
making room by hand.
"""

from __future__ import annotations

import argparse
import time

from gen.bridge.cache import cache_root, entries, prune
from gen.bridge.errors import BadOption


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.add_parser("info", help="entries, size, the oldest and newest use (the default)")
    pruning = sub.add_parser("prune", help="remove entries by last use", description=__doc__.split("\n\n")[0])
    pruning.add_argument("--keep", type=int, metavar="N", help="keep only the N most recently used entries")
    pruning.add_argument("--days", type=float, metavar="D", help="remove entries unused for more than D days")
    pruning.add_argument("--max-mb", type=float, metavar="MB", help="remove the least recently used until <= MB")


def main(args: argparse.Namespace) -> int:
    root = cache_root()
    if args.action != "prune":
        found = entries(root)
        size = sum(entry.size for entry in found) / 1e6
        if not found:
            print(f"{root}: empty")
            return 0
        print(
            f"{root}: {len(found)} entries, {size:.1f} MB; last used {_ago(found[0].used)} (newest) "
            f"to {_ago(found[-1].used)} (oldest)"
        )
        return 0
    if args.keep is None and args.days is None and args.max_mb is None:
        raise BadOption("cache prune: say what to keep", "pass --keep N, --days D or --max-mb MB (or several)")
    for name, value in (("--keep", args.keep), ("--days", args.days), ("--max-mb", args.max_mb)):
        if value is not None and not value >= 0:
            raise BadOption(f"cache prune {name} {value}: not a count, age or size", f"pass {name} with a value >= 0")
    done = prune(
        root,
        keep=args.keep,
        older_than_days=args.days,
        max_bytes=None if args.max_mb is None else int(args.max_mb * 1e6),
    )
    print(
        f"{root}: removed {done.removed} entries ({done.freed / 1e6:.1f} MB); "
        f"{done.kept} left ({done.size / 1e6:.1f} MB)"
    )
    return 0


def _ago(moment: float) -> str:
    days = (time.time() - moment) / 86400
    return f"{days * 24:.1f} h ago" if days < 2 else f"{days:.0f} days ago"
