"""What an actor yields where another actor may run.

Every kernel function that can be preempted is a generator.  At each such
point it yields either

* a tuple of :class:`Offer`: the steps it can take next, by their contract
  names (usually one; several where the environment chooses, e.g. the
  charge's ChargeOk / ChargeReclaim / ChargeFail).  The scheduler sends back
  the one it picked and the function carries out that step's effect up to
  its next yield; or
* :class:`Blocked`: it waits for a pin (``SWAP_HAS_CACHE``) or a folio lock
  on ``slot`` and has no step until the holder lets go.  The scheduler never
  resumes a blocked generator; it rebuilds it later (see system.py).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import NamedTuple, Union

# errno values the kernel functions return (negated, as in the kernel).
ENOENT = 2
ENOMEM = 12
EEXIST = 17


class Offer(NamedTuple):
    name: str
    args: tuple[tuple[str, object], ...] = ()  # internal values: a slot's offset


class Blocked(NamedTuple):
    slot: int  # the slot's offset
    why: str


Point = Union[tuple[Offer, ...], Blocked]
# A preemptible kernel function: yields points, is sent the chosen Offer, returns R.
Preemptible = Generator[Point, Offer, "object"]


def offer(*names: str) -> tuple[Offer, ...]:
    """The offers for these step names (interned: the same few tuples are yielded all the time)."""
    offers = _OFFERS.get(names)
    if offers is None:
        offers = _OFFERS[names] = tuple(Offer(n) for n in names)
    return offers


_OFFERS: dict[tuple[str, ...], tuple[Offer, ...]] = {}
