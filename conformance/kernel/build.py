"""Build the kernel harness: extract 6.12 from the tarball, cut out the functions, compile with ASan/UBSan.

    python -m conformance.kernel.build [--patch FILE ...] [--kernel-src DIR] [--name NAME]

Output: build/kernel-c/<name>/kharness (name: "612" for 6.12 as released, or
derived from the patch files' names).  The source tree is extracted once into
build/kernel-c/src/ (with a stamp) and copied per patch set; the build goes
into a temporary directory that is renamed into place, so a failed build never
leaves a half-built harness behind.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import extract

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BUILD = ROOT / "build" / "kernel-c"
CC = os.environ.get("CC", "gcc")
SAN = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]


# the build directory of 6.12 as released (no --kernel-patch, no --kernel-src)
RELEASED_NAME = "612"


class BuildError(RuntimeError):
    pass


def _need_tools() -> None:
    if shutil.which(CC) is None:
        raise BuildError(f"{CC} not found: install it with `apt-get install -y gcc`")
    if not any(
        Path(d).exists()
        for d in ("/usr/include/urcu.h", "/usr/include/x86_64-linux-gnu/urcu.h", "/usr/include/urcu/urcu-memb.h")
    ):
        raise BuildError(
            "liburcu (for the radix-tree harness's RCU) not found: install it with `apt-get install -y liburcu-dev`"
        )
    if shutil.which("patch") is None:
        raise BuildError("patch not found: install it with `apt-get install -y patch`")


def _cc(args: list[str], cwd: Path) -> None:
    run = subprocess.run([CC, *args], cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        first = (
            "\n".join(line for line in run.stderr.splitlines() if "error" in line or "undefined reference" in line)[
                :3000
            ]
            or run.stderr[:3000]
        )
        raise BuildError(f"compiler error in {cwd}:\n  {CC} {' '.join(args)}\n{first}")


def harness_name(patches: list[Path], kernel_src: Path | None) -> str:
    if not patches and kernel_src is None:
        return RELEASED_NAME
    h = hashlib.sha256()
    for p in patches:
        h.update(p.read_bytes())
    if kernel_src is not None:
        h.update(str(kernel_src.resolve()).encode())
    stem = "+".join(p.stem for p in patches) or "src"
    return f"{stem}-{h.hexdigest()[:8]}"


def build(
    patches: Sequence[Path] = (), kernel_src: Path | None = None, name: str | None = None, force: bool = False
) -> Path:
    """The path of the built harness executable (built if missing or stale)."""
    patches = [Path(p) for p in patches]
    name = name or harness_name(patches, kernel_src)
    out_dir = BUILD / name
    exe = out_dir / "kharness"
    ours = sorted(HERE.glob("*.[ch]")) + [HERE / "extract.py", HERE / "build.py"]
    stamp = "".join(f"{p.name} {p.stat().st_mtime_ns}\n" for p in ours + patches)
    if not force and exe.exists() and (out_dir / ".stamp").exists() and (out_dir / ".stamp").read_text() == stamp:
        return exe
    _need_tools()
    BUILD.mkdir(parents=True, exist_ok=True)
    if patches or kernel_src is not None:
        base = extract.extract_tree(BUILD / "src") if kernel_src is None else None
        tree = extract.extract_tree(BUILD / f"src-{name}", patches=patches, kernel_src=kernel_src, base=base)
        if kernel_src is not None and not (tree / "tools/testing/shared").exists():
            raise BuildError(f"{kernel_src} has no tools/testing/shared (the radix-tree harness)")
    else:
        tree = extract.extract_tree(BUILD / "src")
    tmp = BUILD / f".{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        _compile(tree, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    (tmp / ".stamp").write_text(stamp)
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return exe


def _compile(tree: Path, out: Path) -> None:
    extract.extract_functions(tree, out / "kernel_fns.c")
    # the radix-tree harness's xarray, as tools/testing/shared/shared.mk builds it
    rt = tree / "tools/testing/radix-tree"
    gen = out / "generated"
    gen.mkdir()
    (gen / "map-shift.h").write_text("#define XA_CHUNK_SHIFT 6\n")
    (gen / "bit-length.h").write_text("#define CONFIG_64BIT 1\n")
    shutil.copy(tree / "tools/testing/shared/autoconf.h", gen / "autoconf.h")
    radix = out / "radix-tree.c"
    text = (tree / "lib/radix-tree.c").read_text()
    import re

    text = re.sub(r"^static ", "", text, flags=re.M).replace("__always_inline ", "").replace("inline ", "")
    radix.write_text(text)
    cflags = [
        f"-I{tree}/tools/testing/shared",
        f"-I{out}",
        f"-I{rt}",
        f"-I{tree}/tools/include",
        f"-I{tree}/lib",
        "-g",
        "-O1",
        "-D_LGPL_SOURCE",
        *SAN,
        "-w",
    ]
    objs = []
    units = {
        "xarray-shared.o": tree / "tools/testing/shared/xarray-shared.c",
        "radix-tree.o": radix,
        "linux.o": tree / "tools/testing/shared/linux.c",
        "kc_xa_glue.o": HERE / "kc_xa_glue.c",
    }
    for lib in ("slab", "find_bit", "bitmap", "hweight", "vsprintf"):
        units[f"{lib}.o"] = tree / f"tools/lib/{lib}.c"
    for obj, src in units.items():
        _cc(["-c", *cflags, str(src), "-o", str(out / obj)], cwd=rt)
        objs.append(str(out / obj))
    hflags = [f"-I{HERE}", f"-I{out}", "-g", "-O1", "-Wall", "-Wno-unused-function", *SAN]
    _cc(["-c", *hflags, str(HERE / "harness.c"), "-o", str(out / "harness.o")], cwd=out)
    # -z now: symbols bound at start-up, once, not lazily in every fork()ed trial child (each resolved
    # alarm, waitpid, ... again through ld.so's lookup and wrote its own copy of the GOT page)
    link = ["-Wl,-z,now"]
    _cc([*SAN, *link, str(out / "harness.o"), *objs, "-o", str(out / "kharness"), "-lurcu", "-lpthread"], cwd=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patch", action="append", default=[], type=Path, help="a .patch to apply (-p1)")
    parser.add_argument("--kernel-src", type=Path, help="build against this kernel tree instead of the tarball")
    parser.add_argument("--name", help="build directory name under build/kernel-c/")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        exe = build(args.patch, args.kernel_src, args.name, force=args.force)
    except (BuildError, extract.ExtractError) as err:
        print(f"kernel harness: {err}", file=sys.stderr)
        return 1
    print(f"{exe.relative_to(ROOT)} ({time.monotonic() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
