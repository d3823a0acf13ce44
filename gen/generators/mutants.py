"""``make mutants``: is the generated suite strong enough to notice a broken implementation?

Two kinds of breakage, each run as its own pytest of conformance/generated:

* **Configurations**: every bug switch and the variant ``none`` forced onto
  every generated test (``--config-override JSON``: the generated tests' ``system_for``
  fixture, conformance/pytest_plugin.py, replaces those ``Config`` fields).  The tests
  replay graphs of fixed models, so each of these must make some test fail.
* **Source mutants**: small patches of the reference implementation (a line
  missing, a condition flipped, the put-back at the wrong end, a pin not
  cleared on an error path, ...).  Each is applied to a temporary copy of
  ``conformance/``, never to the real files, and the copy is put first on
  ``sys.path``.

    .venv/bin/python -m gen.generators.mutants [NAME ...]    # all, or only the named ones
    .venv/bin/python -m gen.generators.mutants --by-module   # which module kills what (~10 min)

A breakage is *caught* when at least one generated test fails (pytest
stops at the first: the table names it).  A mutant whose failure is that it
is not valid code (a syntax error, a name that does not exist, a module that
does not import: pytest's collection error) is *broken*, not caught: it
tested nothing.  The exit status is 1 if any breakage survived or broke.  ``--by-module`` runs every test under every breakage
(no stop at the first failure) and says, per generated module, how many
breakages it kills and how many only it kills: which tests carry weight.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from gen.bridge import paths

REPO = paths.REPO_ROOT
PACKAGE = REPO / "conformance"


@dataclass(frozen=True)
class Mutant:
    """Replace ``old`` (which must occur exactly once) by ``new`` in ``conformance/<file>``."""

    name: str
    file: str
    old: str
    new: str
    what: str


MUTANTS = (
    Mutant(
        "putback_at_head",
        "zswap.py",
        "    else:\n        mm.zswap_lru = mm.zswap_lru + (entry,)",
        "    else:\n        mm.zswap_lru = (entry,) + mm.zswap_lru",
        "zswap_lru_putback puts a failed entry back at the head, not the tail",
    ),
    Mutant(
        "charge_fail_keeps_pin",
        "swap_state.py",
        "                folio_unlock(mm, __delete_from_swap_cache(mm, slot))\n            put_swap_folio(mm, slot)\n",
        "                folio_unlock(mm, __delete_from_swap_cache(mm, slot))\n",
        "ChargeFail's error path does not clear SWAP_HAS_CACHE (put_swap_folio missing)",
    ),
    Mutant(
        "entry_gone_keeps_pin",
        "zswap.py",
        "        waiters = swap_state.delete_from_swap_cache(mm, slot)",
        "        waiters = swap_state.__delete_from_swap_cache(mm, slot)",
        "WbEntryGone drops the folio but leaves the pin set",
    ),
    Mutant(
        "load_not_exclusive",
        "zswap.py",
        "    zswap_entry_free(mm, entry)\n    return entry.data",
        "    return entry.data",
        "zswap_load keeps the entry (pre-v6.9 non-exclusive load)",
    ),
    Mutant(
        "skip_flag_flipped",
        "zswap.py",
        "skip_if_exists = contract.writeback_skips_pinned(mm.cfg.variant, mm.cfg.bugs)",
        "skip_if_exists = not contract.writeback_skips_pinned(mm.cfg.variant, mm.cfg.bugs)",
        "writeback passes skip_if_exists in every variant but the ones that have it",
    ),
    Mutant(
        "lru_remove_no_reinsert",
        "swap_state.py",
        "            if fault:\n                zswap_lru_reinsert(mm, actor, depth, slot)\n            return False, -ENOMEM\n",
        "            return False, -ENOMEM\n",
        "lru_remove's failed charge does not re-insert the hidden entry",
    ),
    Mutant(
        "lru_remove_add_no_reinsert",
        "swap_state.py",
        "        zswap_lru_reinsert(mm, actor, depth, slot)\n    return True, 0\n",
        "        pass\n    return True, 0\n",
        "lru_remove does not re-insert the hidden entry after add_to_swap_cache() (issue 10, item 4)",
    ),
    Mutant(
        "wb_write_keeps_entry",
        "zswap.py",
        "    if mm.zswap_tree[slot] == entry:  # the tree may have been invalidated / reused\n"
        "        zswap_entry_free(mm, entry)\n",
        "",
        "WbWrite does not free the written-back entry",
    ),
    Mutant(
        "free_no_invalidate",
        "swap_state.py",
        "    if not zswap.invalidates_when_free(mm) or not mm.swap_map[slot].has_cache:\n        zswap.zswap_invalidate(mm, slot)",
        "",
        "swap_free forgets zswap_invalidate: the tree keeps a dead entry",
    ),
    Mutant(
        "free_while_faulting",
        "environment.py",
        "    if _faults_on(mm, slot):",
        "    if False:",
        "FreeSlot ignores the faulting task's mmap_lock",
    ),
    Mutant(
        "drop_locked_folio",
        "environment.py",
        "    if folio.locked or not folio.uptodate:",
        "    if not folio.uptodate:",
        "DropCleanFolio drops a locked folio",
    ),
    Mutant(
        "walk_ignores_budget",
        "zswap.py",
        "            if walk.budget == 0 or not mm.zswap_lru:",
        "            if not mm.zswap_lru:",
        "the reclaim walk ignores its scan budget",
    ),
    Mutant(
        "store_not_on_lru",
        "zswap.py",
        "    mm.set_tree(slot, entry)\n    zswap_lru_add(mm, entry)",
        "    mm.set_tree(slot, entry)",
        "zswap_store does not add the new entry to the LRU",
    ),
    Mutant(
        "putback_after_invalidate",
        "zswap.py",
        "    if mm.zswap_tree[entry.slot] == entry and entry not in mm.zswap_lru:",
        "    if entry not in mm.zswap_lru:",
        "WbPutback puts back an entry that was invalidated meanwhile",
    ),
    Mutant(
        "swap_table_fail_keeps_folio",
        "swap_state.py",
        '            if mm.cfg.variant == "swap_table":\n                folio_unlock(mm, __delete_from_swap_cache(mm, slot))\n',
        "",
        "swap_table's failed charge leaves its locked folio in the swap cache",
    ),
    Mutant(
        "entry_gone_strands_folio",
        "zswap.py",
        "        if BUG_NO_FOLIO_CLEANUP not in mm.cfg.bugs:\n            swap_state.folio_unlock(mm, waiters)  # and folio_put()\n",
        "",
        "WbEntryGone deletes its folio from the swap cache without folio_unlock() and folio_put() (e3b63e966cac)",
    ),
    Mutant(
        "map_keeps_pin",
        "memory.py",
        '    if choice.name == "MapFolio" and not mm.swap_map[slot].count:\n'
        "        swap_state.folio_unlock(mm, swap_state.delete_from_swap_cache(mm, slot))",
        '    if choice.name == "MapFolio" and not mm.swap_map[slot].count:\n        mm.set_folio(slot, None)',
        "MapFolio removes the folio but does not clear the pin",
    ),
    # 6.12's lines (variant rotate)
    Mutant(
        "rotate_keeps_entry_at_head",
        "zswap.py",
        "    mm.zswap_lru = mm.zswap_lru[1:] + (entry,)\n",
        "",
        "rotate: the walk leaves the entry it writes back at the LRU head instead of list_move_tail",
    ),
    Mutant(
        "rotate_no_lru_stop",
        "zswap.py",
        "                mm.set_budget(actor, depth - 1, 0)  # LRU_STOP ends the walk",
        "                pass",
        "rotate: a task's walk goes on after -EEXIST (no LRU_STOP)",
    ),
    Mutant(
        "rotate_referenced_ignored",
        "zswap.py",
        "        if not mm.zswap_referenced[entry.slot]:",
        "        if True:",
        "rotate: the walk ignores the referenced bit (no second chance)",
    ),
    Mutant(
        "rotate_walk_ignores_budget",
        "zswap.py",
        "    if not mm.zswap_lru or budget <= rotations:",
        "    if not mm.zswap_lru:",
        "rotate: the walk does not count the second chances against its budget",
    ),
    Mutant(
        "rotate_invalidate_at_swap_free",
        "swap_state.py",
        "    if not zswap.invalidates_when_free(mm) or not mm.swap_map[slot].has_cache:",
        "    if True:",
        "rotate: zswap_invalidate at the first swap_free, not at free_swap_slot",
    ),
    Mutant(
        "rotate_recheck_skipped",
        "zswap.py",
        "    if mm.zswap_tree[slot] != entry and BUG_NO_ENTRY_RECHECK not in mm.cfg.bugs:",
        "    if mm.zswap_tree[slot] != entry and not rotating(mm):",
        "rotate: zswap_writeback_entry skips the xa_cmpxchg check of the entry",
    ),
    Mutant(
        "failed_store_keeps_dup",
        "zswap.py",
        "    if old is not None:\n        zswap_entry_free(mm, old)\n    if not zswap_enabled:",
        "    if old is not None and zswap_enabled:\n        zswap_entry_free(mm, old)\n    if not zswap_enabled:",
        "a failed or skipped zswap_store leaves the redirtied page's old entry in the tree (678e54d4bb9a, ca56489c2f1d)",
    ),
    Mutant(
        "shared_load_frees_entry",
        "zswap.py",
        "    if mm.cfg.shared_loads:\n        zswap_lru_del(mm, entry)\n        zswap_lru_add(mm, entry)\n",
        "    if mm.cfg.shared_loads:\n        zswap_entry_free(mm, entry)\n",
        "v6.8 with zswap.exclusive_loads off: the load frees the entry anyway",
    ),
    Mutant(
        "no_alloc_failure",
        "swap_state.py",
        "            may_fail_alloc = not fault and",
        "            may_fail_alloc = False and",
        "writeback's folio allocation never fails",
    ),
    Mutant(
        "rotate_map_always_frees",
        "memory.py",
        '    choice = yield offer("MapFolio", "MapFolioKeepCache")',
        '    choice = yield offer("MapFolio")',
        "do_swap_page always frees the swap cache (should_try_to_free_swap always true)",
    ),
    Mutant(
        "sync_exclusive_load",
        "zswap.py",
        "    elif swapcache or BUG_SYNC_EXCLUSIVE_LOAD in mm.cfg.bugs:",
        "    elif True:",
        "zswap_load() into the SWP_SYNCHRONOUS_IO bypass's private folio frees the entry (25cd241408a2 undone)",
    ),
    Mutant(
        "bypass_without_pin",
        "memory.py",
        "    return contract.BUG_PINLESS_BYPASS in mm.cfg.bugs",
        "    return True",
        "the SWP_SYNCHRONOUS_IO bypass takes no swapcache_prepare() pin (13ddaf26be32 undone)",
    ),
    # swapoff (conf_swapoff_rotate)
    Mutant(
        "rotate_tree_before_folio",
        "zswap.py",
        '        if frame.pc == "prepare" and (not rotating(mm) or BUG_SWAPOFF_RACE in mm.cfg.bugs):',
        '        if frame.pc == "prepare":',
        "rotate: writeback dereferences the zswap tree before it holds the folio (5878303c5353 undone)",
    ),
    Mutant(
        "unuse_poison_keeps_slot",
        "swapfile.py",
        '        yield offer("UnusePoison")\n        swap_state.swap_free(mm, slot)\n',
        '        yield offer("UnusePoison")\n',
        "swapoff's unuse_pte() poisons the PTE but forgets swap_free()",
    ),
)

CONFIGURATIONS = (
    ("variant none", {"variant": "none"}),
    ("bug 04fc7816089c", {"bugs": ["04fc7816089c"]}),
    ("bug a65b0e7607cc", {"bugs": ["a65b0e7607cc"]}),
    ("bug 27d3969b47cc", {"bugs": ["27d3969b47cc"]}),
    ("bug 25cd241408a2", {"bugs": ["25cd241408a2"]}),
    ("bug 678e54d4bb9a", {"bugs": ["678e54d4bb9a"]}),
    ("bug 5878303c5353", {"bugs": ["5878303c5353"]}),
    ("bug e3b63e966cac", {"bugs": ["e3b63e966cac"]}),
    ("bug 13ddaf26be32", {"bugs": ["13ddaf26be32"]}),
)


class MutantDoesNotApply(RuntimeError):
    """The implementation changed under a mutant: its ``old`` text is gone or ambiguous."""


@dataclass(frozen=True)
class SuiteRun:
    """What one pytest run of the generated tests gave."""

    failed: int
    passed: int
    first_failing_test: str  # ``file.py::name``, or "" when none failed
    failing_modules: frozenset[str]  # ``test_conf_none.py``, ...
    broken: str = ""  # the first failure that says the code itself is invalid, or ""


# Failures that say the mutated code is not a program at all (pytest's junit
# `message`), rather than a program that behaves differently.
BROKEN_CODE = re.compile(
    r"^(?:SyntaxError|IndentationError|NameError|ImportError|ModuleNotFoundError)\b|^collection failure$"
)


def run_suite(
    tests: Path, env: dict[str, str], config_override: dict[str, Any] | None = None, *, stop_at_first: bool = True
) -> SuiteRun:
    """Run pytest on the generated tests, by default stopping at the first failure."""
    override = ["--config-override", json.dumps(config_override)] if config_override else []
    with tempfile.TemporaryDirectory(prefix="mutant-report-") as folder:
        junit = Path(folder) / "report.xml"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                # Every failure's traceback costs: with --tb=no the generated suite under
                # bug 04fc7816089c (790 failures) runs in 25 s instead of 6 min.
                *(["-x"] if stop_at_first else ["--tb=no"]),
                "-p",
                "no:cacheprovider",
                "--no-header",
                f"--junitxml={junit}",
                *override,
                "--rootdir",
                str(tests.parent.parent),
                "-c",
                str(REPO / "pyproject.toml"),
                str(tests),
            ],
            env=env,
            capture_output=True,
            text=True,
            cwd=tests.parent.parent,
            check=False,
        )
        text = done.stdout + done.stderr
        run = _junit_counts(junit) if junit.is_file() else SuiteRun(0, 0, "", frozenset())
    if run.failed == 0 and run.passed == 0:
        raise RuntimeError(f"pytest ran no generated test:\n{text[-2000:]}")
    return run


def _junit_counts(report: Path) -> SuiteRun:
    """The counts, the first failing test and the failing modules from pytest's --junitxml report."""
    failed = passed = 0
    first = broken = ""
    modules: set[str] = set()
    for case in ElementTree.parse(report).iter("testcase"):
        problem = case.find("failure")
        problem = case.find("error") if problem is None else problem
        if problem is not None:
            failed += 1
            message = problem.get("message", "")
            if not broken and BROKEN_CODE.search(message):
                broken = f"{case.get('name', '')}: {message}"
            module = f"{case.get('classname', '').rsplit('.', 1)[-1]}.py"
            modules.add(module)
            if not first:
                first = f"{module}::{case.get('name', '')}"
        elif case.find("skipped") is None:
            passed += 1
    return SuiteRun(failed, passed, first, frozenset(modules), broken)


@dataclass(frozen=True)
class Row:
    """One breakage's result: how many generated tests failed, and the first that did."""

    kind: str  # "config" or "mutant"
    name: str
    failed: int
    first_failing_test: str
    broken: str = ""  # why the breakage is not valid code (then it is not caught), or ""

    @property
    def verdict(self) -> str:
        """The table's "caught" column."""
        return "BROKEN" if self.broken else "yes" if self.failed else "NO"


TABLE_WIDTH = 80


def format_table(rows: list[Row], width: int = TABLE_WIDTH) -> str:
    """The results, ``width`` columns wide: a first failing test too long for its column
    continues on the next lines (cut after ``::``, then by width); below, a legend says what
    each mutant breaks."""
    # No kind column: configurations read "variant ..." / "bug ...", and the legend lists the mutants.
    name_width = max([len("breakage")] + [len(row.name) for row in rows])
    indent = name_width + len(" caught ")
    room = max(width - indent, 20)
    lines = [f"{'breakage':{name_width}} caught first failing test"]
    for row in rows:
        pieces = _wrap_test_id(row.first_failing_test, room) or [""]
        lines.append(f"{row.name:{name_width}} {row.verdict:6} {pieces[0]}".rstrip())
        lines.extend(" " * indent + piece for piece in pieces[1:])
    mutants = [row.name for row in rows if row.kind == "mutant"]
    if mutants:
        what = {mutant.name: mutant.what for mutant in MUTANTS}
        lines += ["", "mutants (source patches of conformance/):"]
        for name in mutants:
            lines += textwrap.wrap(f"{name}: {what[name]}", width, initial_indent="  ", subsequent_indent="    ")
    return "\n".join(lines)


def _wrap_test_id(test: str, room: int) -> list[str]:
    """``file.py::test_name[param]`` in pieces of at most ``room`` characters, cut after ``::`` first."""
    pieces: list[str] = []
    for part in re.split(r"(?<=::)", test):
        if pieces and len(pieces[-1]) + len(part) <= room:
            pieces[-1] += part
            continue
        pieces += [part[i : i + room] for i in range(0, len(part), room)]
    return [piece for piece in pieces if piece]


def apply_mutant(mutant: Mutant, copy: Path) -> None:
    path = copy / "conformance" / mutant.file
    text = path.read_text()
    if text.count(mutant.old) != 1:
        raise MutantDoesNotApply(
            f"mutant {mutant.name}: its text occurs {text.count(mutant.old)} times in "
            f"conformance/{mutant.file}; update gen/generators/mutants.py to the new code"
        )
    path.write_text(text.replace(mutant.old, mutant.new))


def format_module_table(kills: dict[str, frozenset[str]], modules: list[str]) -> str:
    """Per generated module: the breakages it kills, and those no other module kills."""
    width = max([len("module")] + [len(module) for module in modules])
    lines = [f"{'module':{width}} kills  only it  breakages only it kills"]
    for module in modules:
        killed = sorted(name for name, killers in kills.items() if module in killers)
        alone = sorted(name for name, killers in kills.items() if killers == {module})
        lines.append(f"{module:{width}} {len(killed):5}  {len(alone):7}  {', '.join(alone)}".rstrip())
    return "\n".join(lines)


def _breakage_runs(only: set[str], base_env: dict[str, str], stop_at_first: bool) -> list[tuple[str, str, SuiteRun]]:
    """(kind, name, run) for every configuration and source mutant, or those in ``only``."""
    runs: list[tuple[str, str, SuiteRun]] = []
    for name, fields in CONFIGURATIONS:
        if only and name not in only:
            continue
        run = run_suite(PACKAGE / "generated", base_env, fields, stop_at_first=stop_at_first)
        runs.append(("config", name, run))
        print(f"  {name}: {run.failed} failed", flush=True)
    for mutant in MUTANTS:
        if only and mutant.name not in only:
            continue
        with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.name}-") as temp:
            copy = Path(temp)
            shutil.copytree(PACKAGE, copy / "conformance", ignore=shutil.ignore_patterns("__pycache__"))
            apply_mutant(mutant, copy)
            env = dict(base_env, PYTHONPATH=os.pathsep.join([temp, str(REPO)]), PYTHONDONTWRITEBYTECODE="1")
            run = run_suite(copy / "conformance" / "generated", env, stop_at_first=stop_at_first)
        runs.append(("mutant", mutant.name, run))
        print(f"  {mutant.name}: {run.failed} failed", flush=True)
    return runs


def main(argv: list[str] | None = None) -> int:
    """Run every breakage, or only those named on the command line (configs and mutants alike)."""
    args = list(sys.argv[1:] if argv is None else argv)
    by_module = "--by-module" in args
    only = {arg for arg in args if arg != "--by-module"}
    known = {name for name, _ in CONFIGURATIONS} | {m.name for m in MUTANTS}
    if only - known:
        print(f"unknown breakage {sorted(only - known)}; known: {', '.join(sorted(known))}")
        return 2
    base_env = dict(os.environ)
    started = time.monotonic()
    baseline = run_suite(PACKAGE / "generated", base_env)
    if baseline.failed:
        print(f"the generated suite fails on the unmutated implementation ({baseline.failed} failed): fix that first")
        return 2
    print(f"baseline: {baseline.passed} generated tests pass ({time.monotonic() - started:.0f}s)")
    runs = _breakage_runs(only, base_env, stop_at_first=not by_module)
    rows = [Row(kind, name, run.failed, run.first_failing_test, run.broken) for kind, name, run in runs]
    print()
    print(format_table(rows))
    if by_module:
        modules = sorted(path.name for path in (PACKAGE / "generated").glob("test_*.py"))
        print()
        print(format_module_table({name: run.failing_modules for _, name, run in runs}, modules))
    survivors = [row.name for row in rows if row.verdict == "NO"]
    broken = [row for row in rows if row.verdict == "BROKEN"]
    caught = len(rows) - len(survivors) - len(broken)
    print(f"\n{caught}/{len(rows)} caught ({time.monotonic() - started:.0f}s)")
    for name in survivors:
        print(f"SURVIVED: {name}")
    for row in broken:
        print(f"BROKEN (not valid code, fix its text in gen/generators/mutants.py): {row.name}: {row.broken}")
    return 1 if survivors or broken else 0


if __name__ == "__main__":
    sys.exit(main())
