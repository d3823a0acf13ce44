"""Watch the protocol run: ``python -m conformance.simulate --variant none --seed 1``.

Runs a random schedule (or ``--script "SwapOut(s=s1, v=v1) StartFault(t1, s=s1) ..."``)
and prints one line per step: who, which step, and what changed.  It stops
at a deadlock (a cycle of actors waiting on pins held inside the cycle,
named with the pins), at stale data (a fault about to map data other than
its page's), when nothing can happen, or after ``--steps`` steps.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from typing import TextIO

from conformance.values import FnValue, ModelValue, TlaValue

from .config import KNOWN_BUGS, PUTBACKS, VARIANTS, Config, ConfigError
from .show import show_frame, show_value
from .state import VARIABLES
from .steps import Step, StepSyntaxError, parse_steps
from .system import StepRefused, System


def changes(before: dict[str, TlaValue], after: dict[str, TlaValue]) -> str:
    parts = []
    for name in VARIABLES:
        old, new = before[name], after[name]
        if old == new:
            continue
        if name == "stack" and isinstance(old, FnValue) and isinstance(new, FnValue):
            for actor in new:
                if old[actor] != new[actor]:
                    frames = " > ".join(show_frame(f) for f in new[actor]) or "idle"
                    parts.append(f"{show_value(actor)}: {frames}")
        elif isinstance(old, FnValue) and isinstance(new, FnValue):
            for key in new:
                if old[key] != new[key]:
                    parts.append(f"{name}[{show_value(key)}] = {show_value(new[key])}")
        else:
            parts.append(f"{name} = {show_value(new)}")
    return "; ".join(parts)


def wait_cycle(system: System) -> list[ModelValue] | None:
    """A cycle in the waits-for graph (actor -> holders of the pin it waits on), if any."""
    waits = system.blocked()
    for start in waits:
        path, actor = [start], start
        while True:
            holders = sorted(waits.get(actor, ()))
            if not holders:
                break
            actor = holders[0]
            if actor in path:
                return path[path.index(actor) :]
            path.append(actor)
    return None


def describe_deadlock(system: System, cycle: list[ModelValue]) -> str:
    lines = ["deadlock:"]
    for actor in cycle:
        waits = system.waits_on(actor)
        assert waits is not None, f"{actor.name} is in a wait cycle, so it waits"
        slot, why = waits
        holders = ", ".join(sorted(a.name for a in system.holders(slot)))
        own = " (its own pin: the recursion of the thread)" if holders == actor.name else ""
        lines.append(
            f"  {actor.name} {system.describe(actor)} waits on slot {slot.name} [{why}], pinned by {holders}{own}"
        )
    return "\n".join(lines)


def stale_map(system: System, step: Step) -> str | None:
    """If ``step`` is a MapFolio about to map data other than its page's, say so."""
    if step.name != "MapFolio" or step.actor is None:
        return None
    state = system.observe()
    stack, swap_cache = state["stack"], state["swap_cache"]
    assert isinstance(stack, FnValue) and isinstance(swap_cache, FnValue)
    frame = stack[step.actor][-1]
    data = swap_cache[frame["slot"]]["data"]
    if data == frame["page"]:
        return None
    return (
        f"stale data: {step.actor.name} maps {show_value(data)} at slot {show_value(frame['slot'])}, "
        f"but its page is {show_value(frame['page'])}"
    )


def run(system: System, schedule: Sequence[Step] | None, rng: random.Random, max_steps: int, out: TextIO) -> str:
    """Run and print the steps; return why it stopped."""
    for number in range(1, max_steps + 1):
        cycle = wait_cycle(system)
        if cycle:
            return describe_deadlock(system, cycle)
        if schedule is not None:
            if number > len(schedule):
                return "end of the script"
            step = schedule[number - 1]
        else:
            enabled = system.enabled()
            if not enabled:
                waiting = system.blocked()
                if waiting:
                    return "stuck: " + ", ".join(
                        f"{a.name} waits on {', '.join(sorted(h.name for h in hs))}" for a, hs in waiting.items()
                    )
                return "nothing can happen: every actor idle, no step enabled"
            step = rng.choice(enabled)
        stale = stale_map(system, step)
        before = system.observe()
        system.step(step.name, step.actor, **dict(step.args))
        who = step.actor.name if step.actor is not None else "env"
        print(f"{number:4}  {who:3}  {str(step):24}  {changes(before, system.observe())}", file=out)
        if stale:
            return stale
    return f"stopped after {max_steps} steps (--steps)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.simulate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=VARIANTS, default="none")
    parser.add_argument("--putback", choices=PUTBACKS, default="tail")
    parser.add_argument("--scan-budget", type=int, default=1)
    parser.add_argument("--bugs", default="", help=f"comma-separated commit ids: {', '.join(sorted(KNOWN_BUGS))}")
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--shrinkers", type=int, default=1)
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--cfg", help="take the constants from a TLC model file instead (spec/models/*.cfg)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=200, help="stop after this many steps")
    parser.add_argument(
        "--script", help='steps to take instead of random ones, e.g. "SwapOut(s=s1, v=v1) StartFault(t1, s=s1)"'
    )
    args = parser.parse_args(argv)
    try:
        if args.cfg:
            config = Config.from_cfg(args.cfg)
        else:
            config = Config(
                tasks=tuple(f"t{i}" for i in range(1, args.tasks + 1)),
                shrinkers=tuple(f"k{i}" for i in range(1, args.shrinkers + 1)),
                slots=tuple(f"s{i}" for i in range(1, args.slots + 1)),
                versions=tuple(f"v{i}" for i in range(1, args.versions + 1)),
                variant=args.variant,
                putback=args.putback,
                scan_budget=args.scan_budget,
                bugs=frozenset(b for b in args.bugs.split(",") if b),
            )
        schedule = parse_steps(args.script) if args.script is not None else None
        if schedule == []:  # an empty --script would otherwise run a random schedule
            raise StepSyntaxError(f"the script {args.script!r} has no step: give steps, e.g. 'StartFault(t1, s=s1)'")
    except (ConfigError, StepSyntaxError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    bugs = ", ".join(sorted(config.bugs)) or "none"
    print(
        f"variant {config.variant}, put-back {config.putback}, scan budget {config.scan_budget}, bugs {bugs}; "
        f"tasks {', '.join(config.tasks)}; shrinkers {', '.join(config.shrinkers) or 'none'}; "
        f"slots {', '.join(config.slots)}; " + ("scripted" if schedule else f"random schedule, seed {args.seed}")
    )
    try:
        why = run(System(config), schedule, random.Random(args.seed), args.steps, sys.stdout)
    except StepRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    print(why)
    return 0


if __name__ == "__main__":
    sys.exit(main())
