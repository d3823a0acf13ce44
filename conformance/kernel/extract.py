"""Take the kernel's own code out of Debian's linux-source-6.12 tarball, at build time.

Two steps, both deterministic:

1. ``extract_tree``: the few files the harness needs, from the tarball into a
   source directory (``tar -xJf ... --wildcards``, ~10 s), with a stamp.
   Patches (``patch -p1``) are applied to that copy, never to the tarball.
2. ``extract_functions``: named functions, structs and enums, cut out of those
   files *byte for byte* by a brace-matching scanner, into one generated C
   file whose first lines say the version, the files and the names, with a
   ``#line`` directive before each so compiler and sanitizer messages point at
   the kernel file and line.

Nothing from the kernel tree is committed: the output goes under build/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
TOP = "linux-source-6.12"
VERSION = "6.12"
INSTALL_HINT = "apt-get install -y linux-source-6.12"

# The files the harness reads: the code under test and the radix-tree harness (real lib/xarray.c).
MEMBERS = [
    "mm/zswap.c",
    "mm/list_lru.c",
    "mm/swap_state.c",
    "mm/memory.c",
    "mm/page_io.c",
    "mm/swapfile.c",
    "mm/swap_slots.c",
    "mm/vmscan.c",
    "mm/memcontrol.c",
    "include/linux/list_lru.h",
    "lib/xarray.c",
    "lib/radix-tree.c",
    "lib/radix-tree.h",
    "lib/idr.c",
    "lib/test_xarray.c",
    "include/linux/*",
    "include/uapi/*",
    "include/asm-generic/*",
    "tools/testing/shared/*",
    "tools/testing/radix-tree/*",
    "tools/include/*",
    "tools/lib/*",
    "tools/arch/x86/include/*",
]

# What the harness takes by name: (file, kind, name).  kind: "fn", "struct", "enum".
# A name given twice in a file (#ifdef CONFIG_MEMCG variants) takes the first
# definition, the CONFIG_MEMCG one; the stub header defines CONFIG_MEMCG.
TAKE: list[tuple[str, str, str]] = [
    ("include/linux/list_lru.h", "enum", "lru_status"),
    ("include/linux/list_lru.h", "struct", "list_lru_one"),
    ("include/linux/list_lru.h", "struct", "list_lru_memcg"),
    ("include/linux/list_lru.h", "struct", "list_lru_node"),
    ("include/linux/list_lru.h", "struct", "list_lru"),
    ("mm/list_lru.c", "fn", "list_lru_memcg_aware"),
    ("mm/list_lru.c", "fn", "lru_shrinker_id"),
    ("mm/list_lru.c", "fn", "list_lru_from_memcg_idx"),
    ("mm/list_lru.c", "fn", "list_lru_add"),
    ("mm/list_lru.c", "fn", "list_lru_del"),
    ("mm/list_lru.c", "fn", "__list_lru_walk_one"),
    ("mm/list_lru.c", "fn", "list_lru_walk_one"),
    ("include", "", "kc_mid.h"),
    ("mm/zswap.c", "struct", "zswap_entry"),
    ("include", "", "kc_zswap_shims.h"),
    ("mm/zswap.c", "fn", "swap_zswap_tree"),
    ("mm/zswap.c", "fn", "mem_cgroup_from_entry"),
    ("mm/zswap.c", "fn", "entry_to_nid"),
    ("mm/zswap.c", "fn", "zswap_lru_add"),
    ("mm/zswap.c", "fn", "zswap_lru_del"),
    ("mm/zswap.c", "fn", "zswap_entry_cache_alloc"),
    ("mm/zswap.c", "fn", "zswap_entry_cache_free"),
    ("mm/zswap.c", "fn", "zswap_entry_free"),
    ("mm/zswap.c", "fn", "zswap_writeback_entry"),
    ("include", "", "kc_wb_hook.h"),
    ("mm/zswap.c", "fn", "shrink_memcg_cb"),
    ("mm/zswap.c", "fn", "zswap_shrinker_scan"),
    ("mm/zswap.c", "fn", "shrink_memcg"),
    ("mm/zswap.c", "fn", "zswap_store"),
    ("mm/zswap.c", "fn", "zswap_load"),
    ("mm/zswap.c", "fn", "zswap_invalidate"),
    ("mm/zswap.c", "fn", "zswap_swapon"),
    ("mm/zswap.c", "fn", "zswap_swapoff"),
    ("mm/swap_state.c", "fn", "__read_swap_cache_async"),
    # swapoff: try_to_unuse() -> unuse_mm() -> ... -> unuse_pte_range() -> unuse_pte()
    ("mm/swapfile.c", "fn", "unuse_pte"),
    ("mm/swapfile.c", "fn", "unuse_pte_range"),
]


class ExtractError(RuntimeError):
    pass


def extract_tree(
    dest: Path,
    tarball: Path = TARBALL,
    patches: Sequence[Path] = (),
    kernel_src: Path | None = None,
    base: Path | None = None,
) -> Path:
    """The source tree under ``dest`` (``dest/linux-source-6.12``), patched; reused when its stamp matches.

    ``base``: an already extracted tree to copy instead of reading the tarball again."""
    stamp_text = f"{kernel_src or tarball}\n" + "".join(f"{p.resolve()} {p.stat().st_mtime_ns}\n" for p in patches)
    tree = dest / TOP
    stamp = dest / ".stamp"
    if stamp.exists() and stamp.read_text() == stamp_text and tree.is_dir():
        return tree
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if kernel_src is None and base is not None:
        shutil.copytree(base, tmp / TOP, symlinks=True)
    elif kernel_src is not None:
        if not (kernel_src / "mm/zswap.c").exists():
            raise ExtractError(f"--kernel-src {kernel_src}: no mm/zswap.c there (give the top of a kernel tree)")
        shutil.copytree(
            kernel_src, tmp / TOP, symlinks=True, ignore=shutil.ignore_patterns(".git", "*.o", "*.ko", "*.cmd")
        )
    else:
        if not tarball.exists():
            raise ExtractError(f"{tarball} is missing: install it with `{INSTALL_HINT}`")
        cmd = ["tar", "-xJf", str(tarball), "-C", str(tmp), "--wildcards"] + [f"{TOP}/{m}" for m in MEMBERS]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            raise ExtractError(f"{' '.join(cmd)} failed:\n{run.stderr[:2000]}")
    for patch in patches:
        run = subprocess.run(
            ["patch", "-p1", "--forward", "-i", str(patch.resolve())], cwd=tmp / TOP, capture_output=True, text=True
        )
        if run.returncode != 0:
            raise ExtractError(f"patch -p1 -i {patch} failed in {tmp / TOP}:\n{run.stdout}{run.stderr}")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    stamp.write_text(stamp_text)
    return tree


def _skip_noncode(text: str, i: int) -> int:
    """If text[i:] starts a comment, string or char literal, the index after it; else i."""
    if text.startswith("/*", i):
        return text.index("*/", i + 2) + 2
    if text.startswith("//", i):
        return text.index("\n", i)
    if text[i] in "\"'":
        quote, j = text[i], i + 1
        while text[j] != quote:
            j += 2 if text[j] == "\\" else 1
        return j + 1
    return i


def _match_brace(text: str, open_at: int) -> int:
    """Index just after the brace closing the one at ``open_at``."""
    depth, i = 0, open_at
    while i < len(text):
        j = _skip_noncode(text, i)
        if j != i:
            i = j
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ExtractError("unbalanced braces")


def find_definition(text: str, kind: str, name: str) -> tuple[int, int]:
    """(start, end) offsets of the first definition of ``name`` (its whole text, comments excluded)."""
    if kind == "fn":
        # the name at the start of a line (return type on the line before) or after the return type
        pattern = re.compile(rf"^(?:[A-Za-z_][^;{{}}()\n]*[\s*])?{re.escape(name)}\(", re.M)
        for m in pattern.finditer(text):
            if text[m.start()] in " \t#":
                continue
            # the parameter list, then '{' (a definition) or ';' (a prototype)
            depth, i = 0, m.end() - 1
            while True:
                i2 = _skip_noncode(text, i)
                if i2 != i:
                    i = i2
                    continue
                if text[i] == "(":
                    depth += 1
                elif text[i] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            rest = text[i + 1 :].split(";", 1)[0].split("{", 1)[0]  # up to the first ';' or '{'
            if text[i + 1 + len(rest)] != "{":
                continue
            start = m.start()
            if text[start : m.end()].startswith(name):  # return type on the line before
                prev = text.rfind("\n", 0, start - 1) + 1
                start = prev
            return start, _match_brace(text, i + 1 + len(rest))
    else:
        found = re.search(rf"^{kind} {re.escape(name)} \{{", text, re.M)
        if found:
            end = _match_brace(text, found.end() - 1)
            semi = text.index(";", end)
            return found.start(), semi + 1
    raise ExtractError(f"{kind} {name} not found")


def extract_functions(tree: Path, out: Path, take: list[tuple[str, str, str]] = TAKE) -> None:
    """Write the named definitions, unmodified, to ``out`` (one C file)."""
    files: dict[str, str] = {}
    parts: list[str] = []
    for path, kind, name in take:
        if path == "include":  # the harness's own code between kernel definitions
            parts.append(f'#include "{name}"\n')
            continue
        text = files.get(path)
        if text is None:
            try:
                text = files[path] = (tree / path).read_text()
            except FileNotFoundError:
                raise ExtractError(f"{tree / path} is missing") from None
        try:
            start, end = find_definition(text, kind, name)
        except ExtractError as err:
            raise ExtractError(f"{path}: {err}") from None
        line = text.count("\n", 0, start) + 1
        parts.append(f'#line {line} "{path}"\n{text[start:end]}\n')
    names: dict[str, list[str]] = {}
    for path, kind, name in take:
        if path == "include":
            continue
        names.setdefault(path, []).append(name if kind == "fn" else f"{kind} {name}")
    head = [
        f"/* Generated by conformance/kernel/extract.py from Linux {VERSION} ({TOP}); do not edit.",
        " * The definitions below are the kernel's, byte for byte, cut out by name:",
    ]
    for path, ns in names.items():
        head.append(f" *   {path}: {', '.join(ns)}")
    head.append(" */\n")
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(head) + "\n".join(parts))
    tmp.rename(out)


if __name__ == "__main__":
    tree = extract_tree(Path(sys.argv[1]))
    extract_functions(tree, Path(sys.argv[2]))
