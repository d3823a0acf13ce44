"""A Hypothesis state machine driving the System through random schedules.

One rule per step of the contract (its precondition: the step is enabled;
``choice`` picks among the enabled instances, e.g. which slot and version
SwapOut takes), one invariant per state property, and the action properties
checked around every step.  Subclasses fix the config and say which
properties it must keep.
"""

from __future__ import annotations

from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from conformance import contract
from conformance.config import Config
from conformance.steps import REDIRTY_STEPS, SWAPOFF_STEPS, WORKER_CHARGE_STEPS, Step
from conformance.system import ACTOR_STEPS, ENV_STEPS, ROTATE_ONLY_STEPS, System
from conformance.tests import properties as p

# Steps with a rule only in the machines of configs that can take them (see ProtocolMachine).
GATED_STEPS = frozenset({"SyncPteChanged", "SwapDuplicate", "SyncReadFolio", "SwapOutKeepCache", "UnmapCleanFolio"})


class PropertyViolated(AssertionError):
    """A property failed; carries the schedule that led there."""

    def __init__(self, prop: str, trace: list[Step]) -> None:
        super().__init__(f"{prop} violated after: {', '.join(map(str, trace))}")
        self.prop = prop
        self.trace = list(trace)


STATE_PROPERTIES = (
    "type_ok",
    "no_self_wait",
    "no_wait_cycle",
    "no_data_loss",
    "swap_cache_implies_pin",
    "pin_held",
    "lru_only_live",
    "hit_wait_has_folio",
    "no_orphaned_wait",
)
ACTION_PROPERTIES = (
    "no_stale_data",
    "writeback_gives_up_only_on_own_pin",
    "fault_path_no_lru_work",
    "walk_makes_progress",
    "walk_cursor_live",
    "swapin_follows_control_flow",
    "blocked_actors_wait",
    "pin_only_in_use",
    "walk_budget_never_grows",
    "walk_ends_only_when_spent",
    "lru_stop_only_at_swap_cache",
    "writeback_drops_folio_only_for_gone_entry",
)


def _rule_for(name: str) -> Any:
    def take(self: ProtocolMachine, choice: int) -> None:
        options = [s for s in self.enabled if s.name == name]
        self.take(options[choice % len(options)])

    take.__name__ = take.__qualname__ = name  # Hypothesis prints failing programs with this name
    enabled = precondition(lambda self: name in self.enabled_names and name not in self.excluded_steps)
    return enabled(rule(choice=st.integers(min_value=0, max_value=7))(take))


class ProtocolMachine(RuleBasedStateMachine):
    config: ClassVar[Config]
    # the properties this config is known to violate (the spec's models say the same)
    violates: ClassVar[frozenset[str]] = frozenset()
    # steps this machine never takes: narrows a hunt to the part of the protocol a scenario needs
    excluded_steps: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        super().__init__()
        self.system = System(self.config)
        self.skip_if_exists = contract.writeback_skips_pinned(self.config.variant, self.config.bugs)
        self.trace: list[Step] = []
        self._refresh()

    def _refresh(self) -> None:
        self.enabled = self.system.enabled()
        self.enabled_names = {s.name for s in self.enabled}

    def take(self, step: Step) -> None:
        before = self.system.observe()
        self.system.step(step.name, step.actor, **dict(step.args))
        self.trace.append(step)
        after = self.system.observe()
        self._refresh()
        for name in ACTION_PROPERTIES:
            if name not in self.violates and not p.check_action(
                name, before, step, after, self.skip_if_exists, self.config.sync_io
            ):
                raise PropertyViolated(name, self.trace)

    def _check(self, name: str, *args: Any) -> None:
        if name not in self.violates and not getattr(p, name)(self.system.observe(), *args):
            raise PropertyViolated(name, self.trace)

    @invariant()
    def type_ok(self) -> None:
        self._check("type_ok")

    @invariant()
    def no_self_wait(self) -> None:
        self._check("no_self_wait", self.skip_if_exists, self.config.sync_io)

    @invariant()
    def no_wait_cycle(self) -> None:
        self._check("no_wait_cycle", self.skip_if_exists, self.config.sync_io)

    @invariant()
    def no_data_loss(self) -> None:
        self._check("no_data_loss")

    @invariant()
    def swap_cache_implies_pin(self) -> None:
        self._check("swap_cache_implies_pin")

    @invariant()
    def pin_held(self) -> None:
        self._check("pin_held")

    @invariant()
    def lru_only_live(self) -> None:
        self._check("lru_only_live")

    @invariant()
    def hit_wait_has_folio(self) -> None:
        self._check("hit_wait_has_folio")

    @invariant()
    def no_orphaned_wait(self) -> None:
        self._check("no_orphaned_wait", self.skip_if_exists, self.config.sync_io)

    @invariant()
    def blocked_agrees_with_spec(self) -> None:
        """The implementation's blocked() is the spec's WaitsOn relation."""
        spec = {
            a: frozenset(b)
            for a, b in p.waits_on(self.system.observe(), self.skip_if_exists, self.config.sync_io).items()
        }
        mine = self.system.blocked()
        assert {a: h for a, h in spec.items() if a in mine} == mine, (spec, mine)

    @precondition(lambda self: not (self.enabled_names - self.excluded_steps))
    @rule()
    def start_over(self) -> None:
        """Nothing can happen (every actor idle or blocked): begin a new schedule from the initial state."""
        self.system.reset()
        self.trace.clear()
        self._refresh()

    # The rotate-only steps get rules in rotate's machines only: a rule that
    # can never fire would still shift Hypothesis's choices, and the
    # derandomized hunts of the other variants must keep their schedules.
    # (So do the worker's charge steps: only with WORKER_CHARGE_RECLAIM; the
    # duplicate store's, only with Redirty; swapoff's, only with a swapoff
    # actor.)  MapFolioKeepCache, which the v6.8 variants took later, keeps
    # its rule to rotate's machines and the Redirty ones for the same reason:
    # it can fire elsewhere, but the hunts were tuned without it (the
    # generated suite covers it there).  Likewise the steps only a SyncIO or
    # a SwapShared model can take (added after the hunts were tuned).
    for _name in sorted(
        (ACTOR_STEPS | ENV_STEPS)
        - ROTATE_ONLY_STEPS
        - WORKER_CHARGE_STEPS
        - GATED_STEPS
        - REDIRTY_STEPS
        - SWAPOFF_STEPS
        - {"MapFolioKeepCache"}
    ):
        locals()[_name] = _rule_for(_name)
    del _name


def machine_for(
    config: Config, violates: frozenset[str] = frozenset(), excluded_steps: frozenset[str] = frozenset()
) -> type[ProtocolMachine]:
    name = f"Machine_{config.variant}_{config.putback}_{'_'.join(sorted(config.bugs)) or 'nobug'}"
    rules = {n: _rule_for(n) for n in sorted(ROTATE_ONLY_STEPS)} if config.variant == "rotate" else {}
    if config.variant == "rotate" or config.redirty or config.clean_reclaim:
        rules["MapFolioKeepCache"] = _rule_for("MapFolioKeepCache")
    if "13ddaf26be32" in config.bugs:
        rules["SyncReadFolio"] = _rule_for("SyncReadFolio")
    if config.keep_swapout_folio:
        rules["SwapOutKeepCache"] = _rule_for("SwapOutKeepCache")
    if config.clean_reclaim:
        rules["UnmapCleanFolio"] = _rule_for("UnmapCleanFolio")
    if config.redirty:
        rules.update({n: _rule_for(n) for n in sorted(REDIRTY_STEPS)})
    if config.worker_charge_reclaim:
        rules.update({n: _rule_for(n) for n in sorted(WORKER_CHARGE_STEPS)})
    if config.sync_io:
        rules["SyncPteChanged"] = _rule_for("SyncPteChanged")
    if config.swap_shared:
        rules["SwapDuplicate"] = _rule_for("SwapDuplicate")
    if config.swapoffs:
        rules.update({n: _rule_for(n) for n in sorted(SWAPOFF_STEPS)})
    return type(
        name, (ProtocolMachine,), {"config": config, "violates": violates, "excluded_steps": excluded_steps, **rules}
    )
