"""The kernel data the protocol touches, as plain immutable Python values.

Inside the implementation a slot is its offset on the swap device (an int,
as ``swp_offset()`` gives), an actor is its number, a version is its name,
and "nothing" is ``None`` (the kernel's NULL: no folio, no entry, no data).
``observe.py`` turns this into the spec's TLA+ values.  Keeping model values
out of the hot path matters: they hash in Python, tuples of ints and strs
hash in C.

Every field is immutable and updates replace it, so copying an ``MM`` copies
ten references, and ``observe()`` can memoize each variable's TLA+ value by
the identity of its field.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple, TypeVar, Union, final, overload

from .config import Config

# The spec's variables, in the order its VARIABLES line lists them.
VARIABLES = (
    "swap_map",
    "swapped_page",
    "swap_cache",
    "zswap_tree",
    "zswap_lru",
    "zswap_referenced",
    "swap_device",
    "stack",
)


class SwapMapEntry(NamedTuple):
    """``si->swap_map[offset]``: the use count and SWAP_HAS_CACHE (the pin)."""

    # The spec's field name; it shadows tuple.count(), which nothing here calls.
    count: int  # type: ignore[assignment]  # a field named like a tuple method: mypy flags the shadowing
    has_cache: bool


class Folio(NamedTuple):
    locked: bool
    uptodate: bool
    data: str | None


class ZswapEntry(NamedTuple):
    """A zswap entry.  ``data`` is a fresh version, so it is also the entry's identity."""

    slot: int
    data: str


# A frame is a NamedTuple of its fields plus the kernel function it belongs to
# (``FN``, a class constant: a NamedTuple body may hold only fields, so the
# constant lives in a final subclass).  Final also lets ``type(f) is ...``
# narrow a Frame both ways.


class _SwapinFields(NamedTuple):
    slot: int
    page: str
    pc: str = "lookup"
    lru_removed: bool = False


@final
class SwapinFrame(_SwapinFields):
    """``do_swap_page`` on ``slot``; ``page`` is the data the PTE referred to when the fault began."""

    __slots__ = ()
    FN: ClassVar[str] = "do_swap_page"


class _WalkFields(NamedTuple):
    budget: int


@final
class WalkFrame(_WalkFields):
    """The reclaim walk over the zswap LRU, with the entries it may still isolate."""

    __slots__ = ()
    FN: ClassVar[str] = "shrink_memcg_cb"


class _WritebackFields(NamedTuple):
    entry: ZswapEntry
    pc: str = "prepare"
    cursor: ZswapEntry | None = None


@final
class WritebackFrame(_WritebackFields):
    """``zswap_writeback_entry`` of an isolated entry.

    ``cursor`` is the LRU node the walk would continue from after an
    -EEXIST (only with bug 27d3969b47cc; else None): a ghost that lets the
    spec see a walk resume from a node someone else freed.
    """

    __slots__ = ()
    FN: ClassVar[str] = "zswap_writeback_entry"


class _SwapoffFields(NamedTuple):
    pc: str = "unuse"


@final
class SwapoffFrame(_SwapoffFields):
    """swapoff(2) of the device: ``unuse`` while try_to_unuse() runs, ``off`` once zswap_swapoff() freed the tree."""

    __slots__ = ()
    FN: ClassVar[str] = "swapoff"


Frame = Union[SwapinFrame, WalkFrame, WritebackFrame, SwapoffFrame]
F = TypeVar("F", bound=Frame)

# MM.snapshot(): the eight variables, in VARIABLES order.
Snapshot = tuple[
    tuple[SwapMapEntry, ...],
    tuple[str | None, ...],
    tuple[Folio | None, ...],
    tuple[ZswapEntry | None, ...],
    tuple[ZswapEntry, ...],
    tuple[bool, ...],
    tuple[str | None, ...],
    tuple[tuple[Frame, ...], ...],
]
T = TypeVar("T")


def _replace_at(items: tuple[T, ...], index: int, value: T) -> tuple[T, ...]:
    return items[:index] + (value,) + items[index + 1 :]


class MM:
    """One swap device, its swap cache, one zswap pool, and every actor's call stack."""

    __slots__ = ("cfg", "nr_slots") + VARIABLES

    swap_map: tuple[SwapMapEntry, ...]  # indexed by slot offset, like the fields below
    swapped_page: tuple[str | None, ...]
    swap_cache: tuple[Folio | None, ...]
    zswap_tree: tuple[ZswapEntry | None, ...]
    zswap_lru: tuple[ZswapEntry, ...]  # pool->list_lru, head = oldest
    zswap_referenced: tuple[bool, ...]  # entry->referenced of the tree entry at each slot (rotate)
    swap_device: tuple[str | None, ...]
    stack: tuple[tuple[Frame, ...], ...]  # indexed by actor number, bottom frame first

    def __init__(self, cfg: Config, nr_actors: int) -> None:
        self.cfg = cfg  # the kernel "build": variant, put-back end, scan budget, reintroduced bugs
        n = self.nr_slots = len(cfg.slots)
        self.swap_map = (SwapMapEntry(0, False),) * n
        self.swapped_page = (None,) * n
        self.swap_cache = (None,) * n
        self.zswap_tree = (None,) * n
        self.zswap_lru = ()
        self.zswap_referenced = (False,) * n
        self.swap_device = (None,) * n
        self.stack = ((),) * nr_actors

    def copy(self) -> MM:
        other = MM.__new__(MM)
        other.cfg, other.nr_slots = self.cfg, self.nr_slots
        other.restore(self.snapshot())
        return other

    def snapshot(self) -> Snapshot:
        """The eight variables as one tuple (sharing them: they are immutable)."""
        return (
            self.swap_map,
            self.swapped_page,
            self.swap_cache,
            self.zswap_tree,
            self.zswap_lru,
            self.zswap_referenced,
            self.swap_device,
            self.stack,
        )

    def restore(self, snapshot: Snapshot) -> None:
        (
            self.swap_map,
            self.swapped_page,
            self.swap_cache,
            self.zswap_tree,
            self.zswap_lru,
            self.zswap_referenced,
            self.swap_device,
            self.stack,
        ) = snapshot

    def set_swap_map(self, slot: int, *, count: int | None = None, has_cache: bool | None = None) -> None:
        old = self.swap_map[slot]
        new = SwapMapEntry(old.count if count is None else count, old.has_cache if has_cache is None else has_cache)
        self.swap_map = _replace_at(self.swap_map, slot, new)

    def set_swapped_page(self, slot: int, data: str | None) -> None:
        self.swapped_page = _replace_at(self.swapped_page, slot, data)

    def set_folio(self, slot: int, folio: Folio | None) -> None:
        self.swap_cache = _replace_at(self.swap_cache, slot, folio)

    def set_tree(self, slot: int, entry: ZswapEntry | None) -> None:
        self.zswap_tree = _replace_at(self.zswap_tree, slot, entry)

    def set_referenced(self, slot: int, referenced: bool) -> None:
        if self.zswap_referenced[slot] != referenced:
            self.zswap_referenced = _replace_at(self.zswap_referenced, slot, referenced)

    def set_device(self, slot: int, data: str) -> None:
        self.swap_device = _replace_at(self.swap_device, slot, data)

    # each actor's call stack
    def frames(self, actor: int) -> tuple[Frame, ...]:
        return self.stack[actor]

    @overload
    def frame(self, actor: int, depth: int) -> Frame: ...
    @overload
    def frame(self, actor: int, depth: int, kind: type[F]) -> F: ...
    def frame(self, actor: int, depth: int, kind: type[object] | None = None) -> Frame:
        """The frame at ``depth`` (0: the bottom); with ``kind``, one that must be of that class."""
        frame = self.stack[actor][depth]
        if kind is not None and type(frame) is not kind:
            raise TypeError(f"actor {actor}'s frame {depth} is a {type(frame).__name__}, not a {kind.__name__}")
        return frame

    def push_frame(self, actor: int, frame: Frame) -> None:
        self.stack = _replace_at(self.stack, actor, self.stack[actor] + (frame,))

    def pop_frame(self, actor: int) -> Frame:
        frames = self.stack[actor]
        self.stack = _replace_at(self.stack, actor, frames[:-1])
        return frames[-1]

    def set_frame(self, actor: int, depth: int, frame: Frame) -> None:
        frames = self.stack[actor]
        self.stack = _replace_at(self.stack, actor, _replace_at(frames, depth, frame))

    def set_pc(self, actor: int, depth: int, pc: str) -> None:
        """Where the fault or writeback frame at ``depth`` resumes."""
        frame = self.stack[actor][depth]
        if type(frame) is WalkFrame:
            raise TypeError(f"actor {actor}'s frame {depth} is the walk: it has no pc")
        self.set_frame(actor, depth, frame._replace(pc=pc))

    def set_budget(self, actor: int, depth: int, budget: int) -> None:
        """The entries the walk at ``depth`` may still isolate."""
        self.set_frame(actor, depth, self.frame(actor, depth, WalkFrame)._replace(budget=budget))

    def referenced_versions(self) -> set[str]:
        """Every version some variable mentions: SwapOut may only take another one."""
        seen = {v for v in self.swapped_page if v is not None}
        seen.update(v for v in self.swap_device if v is not None)
        seen.update(f.data for f in self.swap_cache if f is not None and f.data is not None)
        seen.update(e.data for e in self.zswap_tree if e is not None)
        seen.update(e.data for e in self.zswap_lru)
        for frames in self.stack:
            for f in frames:
                if type(f) is SwapinFrame:
                    seen.add(f.page)
                elif type(f) is WritebackFrame:
                    seen.add(f.entry.data)
                    if f.cursor is not None:
                        seen.add(f.cursor.data)
        return seen
