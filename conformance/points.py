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
from typing import NamedTuple, TypeVar, Union

# errno values the kernel functions return (negated, as in the kernel).
ENOENT = 2
ENOMEM = 12
EEXIST = 17


# A step's arguments: sorted (name, value) pairs; inside the implementation a
# slot is its offset (int) and a version its name (str).
Args = tuple[tuple[str, object], ...]


class Offer(NamedTuple):
    name: str
    args: Args = ()  # internal values: a slot's offset

    def slot(self) -> int:
        """The offer's slot argument ``s`` (its offset)."""
        value = dict(self.args)["s"]
        assert isinstance(value, int), f"{self.name}'s slot {value!r} is not an offset"
        return value


class Blocked(NamedTuple):
    slot: int  # the slot's offset
    why: str
    # The folio waited on left the swap cache still locked (bug e3b63e966cac): no actor holds it,
    # whoever holds ``slot`` now (spec WaitsOnStrandedFolio).
    stranded: bool = False


Point = Union[tuple[Offer, ...], Blocked]
R = TypeVar("R")
# A preemptible kernel function: yields points, is sent the chosen Offer, returns R
# (``Preemptible[None]``, ``Preemptible[int]`` for 0 or -errno, ...).
Preemptible = Generator[Point, Offer, R]


def offer(*names: str) -> tuple[Offer, ...]:
    """The offers for these step names (interned: the same few tuples are yielded all the time)."""
    offers = _OFFERS.get(names)
    if offers is None:
        offers = _OFFERS[names] = tuple(Offer(n) for n in names)
    return offers


_OFFERS: dict[tuple[str, ...], tuple[Offer, ...]] = {}
