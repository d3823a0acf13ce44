"""The constants of a model: the same ones spec/Zswap.tla declares.

A :class:`Config` is built either directly (tests, the simulator) or from the
CONSTANTS of a TLC model file (spec/models/*.cfg), which is how the generated
tests build the system a TLC state graph is replayed against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conformance.values import ModelValue

from . import contract, tlc_config

VARIANTS = ("none", "lru_remove", "skip_if_exists", "swap_table", "rotate")
PUTBACKS = ("tail", "head")
# Commits whose bug a model may reintroduce (spec/README.md, BUGS).
KNOWN_BUGS = contract.KNOWN_BUGS


# The spec's switches a cfg turns on by substitution (`SyncIO <- SyncIOOn`, MCZswap.tla):
# (definition, its one known substitute, the Config field it sets).  Read here, written by
# the generators (gen/generators/generate.py), so the two cannot drift.
SWITCHES = (
    ("SyncIO", "SyncIOOn", "sync_io"),
    ("SwapShared", "SwapSharedOn", "swap_shared"),
    ("ExclusiveLoads", "ExclusiveLoadsOff", "shared_loads"),
    ("Redirty", "RedirtyOn", "redirty"),
    ("UnuseMatchesSwapEntry", "UnuseMatchesSwapEntryOn", "unuse_matches_swap_entry"),
    ("KeepSwapOutFolio", "KeepSwapOutFolioOn", "keep_swapout_folio"),
    ("CleanReclaim", "CleanReclaimOn", "clean_reclaim"),
)


# One error type for a bad model, whether the .cfg does not parse or a value is unknown.
ConfigError = tlc_config.ConfigError


@dataclass(frozen=True)
class Config:
    tasks: tuple[str, ...] = ("t1", "t2")
    shrinkers: tuple[str, ...] = ("k1",)
    slots: tuple[str, ...] = ("s1", "s2")
    versions: tuple[str, ...] = ("v1", "v2", "v3")
    variant: str = "none"
    putback: str = "tail"
    scan_budget: int = 1
    bugs: frozenset[str] = field(default_factory=frozenset)
    fairness: str = "weak"  # liveness only; the implementation does not use it
    # WORKER_CHARGE_RECLAIM: shrink_worker's writeback charge (no PF_MEMALLOC in
    # the kworker) may enter reclaim, a nested zswap_shrinker_scan walk, or fail.
    worker_charge_reclaim: bool = False
    # "any": SwapOut may take any version referenced nowhere (the spec's IsFreshVersion);
    # "first": only the first such version in Versions' order (a model with
    # `IsFreshVersion <- FirstFreshVersion`, spec/MCZswap.tla).
    fresh_version: str = "any"
    # The SWP_SYNCHRONOUS_IO swap-cache bypass (a model with `SyncIO <- SyncIOOn`, spec/MCZswap.tla).
    # Generated modules name it only when it is on (gen/generators/render.py).
    sync_io: bool = field(default=False, metadata={"render_only_if_set": True})
    # Use count 2: a page shared after fork, two PTEs (a model with `SwapShared <- SwapSharedOn`).
    swap_shared: bool = field(default=False, metadata={"render_only_if_set": True})
    # v6.8's zswap.exclusive_loads off (a model with `ExclusiveLoads <- ExclusiveLoadsOff`): a load keeps
    # the entry and rotates it to the LRU tail; zswap_invalidate waits for the slot to be fully free.
    shared_loads: bool = field(default=False, metadata={"render_only_if_set": True})
    # The duplicate store (a model with `Redirty <- RedirtyOn`): SwapOutAgain, SwapOutAgainRejected.
    redirty: bool = field(default=False, metadata={"render_only_if_set": True})
    # v6.18's unuse_pte() re-check (a model with `UnuseMatchesSwapEntry <- UnuseMatchesSwapEntryOn`):
    # swapoff leaves a PTE alone when its folio left the swap cache (UnuseFolioGone).
    unuse_matches_swap_entry: bool = field(default=False, metadata={"render_only_if_set": True})
    # 6.12's swap-out folio stays in the swap cache after the store (`KeepSwapOutFolio <- KeepSwapOutFolioOn`):
    # SwapOutKeepCache.
    keep_swapout_folio: bool = field(default=False, metadata={"render_only_if_set": True})
    # A clean kept folio is reclaimed again with no store (`CleanReclaim <- CleanReclaimOn`): UnmapCleanFolio.
    clean_reclaim: bool = field(default=False, metadata={"render_only_if_set": True})
    # The actors that may run swapoff(2) (a model with `Swapoffs = {o1}`: spec/Zswap.tla, Swapoffs).
    swapoffs: tuple[str, ...] = field(default=(), metadata={"render_only_if_set": True, "omit_if_default": True})

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ConfigError(f"VARIANT {self.variant!r} unknown: use one of {', '.join(VARIANTS)}")
        if self.putback not in PUTBACKS:
            raise ConfigError(f"PUTBACK {self.putback!r} unknown: use 'tail' or 'head'")
        if self.fresh_version not in ("any", "first"):
            raise ConfigError(f"fresh_version {self.fresh_version!r} unknown: use 'any' or 'first'")
        if self.sync_io and self.variant == "swap_table":
            raise ConfigError("sync_io: the swap table has no swap-cache bypass (spec/Zswap.tla, SyncIO)")
        if self.shared_loads and self.variant not in ("none", "lru_remove", "skip_if_exists"):
            raise ConfigError(f"shared_loads: {self.variant} has only exclusive loads (spec/Zswap.tla, ExclusiveLoads)")
        if self.shared_loads and self.sync_io:
            raise ConfigError(
                "shared_loads with sync_io: not modelled (spec/Zswap.tla, ASSUME ~(SyncIO /\\ ~ExclusiveLoads))"
            )
        if self.redirty and self.swap_shared:
            raise ConfigError(
                "redirty with swap_shared: not modelled (spec/Zswap.tla, ASSUME ~(Redirty /\\ SwapShared))"
            )
        if {contract.BUG_PINLESS_BYPASS, contract.BUG_SYNC_EXCLUSIVE_LOAD} <= set(self.bugs):
            raise ConfigError(
                "bugs 13ddaf26be32 with 25cd241408a2: not modelled "
                "(spec/Zswap.tla, ASSUME ~(PinlessBypass /\\ ExclusiveBypassLoad))"
            )
        if self.keep_swapout_folio and not (
            (self.variant == "rotate" or self.shared_loads) and not self.swap_shared and not self.swapoffs
        ):
            raise ConfigError(
                "keep_swapout_folio: only with deferred invalidation (rotate, or shared_loads), use count 1 and no "
                "swapoff (spec/Zswap.tla, ASSUME KeepSwapOutFolio => ...)"
            )
        if self.clean_reclaim and (self.swap_shared or self.swapoffs):
            raise ConfigError(
                "clean_reclaim with swap_shared or a swapoff actor: not modelled (spec/Zswap.tla, ASSUME CleanReclaim => ...)"
            )
        if self.scan_budget < 1:
            raise ConfigError(f"SCAN_BUDGET must be >= 1, got {self.scan_budget}")
        unknown = set(self.bugs) - KNOWN_BUGS
        if unknown:
            raise ConfigError(f"BUGS {sorted(unknown)} unknown: the implementation reintroduces {sorted(KNOWN_BUGS)}")
        if not self.tasks and not self.shrinkers:
            raise ConfigError("no actors: give at least one task or shrinker")
        names = self.tasks + self.shrinkers + self.swapoffs + self.slots + self.versions
        if len(set(names)) != len(names):
            raise ConfigError(f"model values must be distinct, got {names}")

    # the model values, in a stable order (sorted by name, as TLC prints sets)
    @property
    def task_values(self) -> tuple[ModelValue, ...]:
        return tuple(ModelValue(n) for n in sorted(self.tasks))

    @property
    def shrinker_values(self) -> tuple[ModelValue, ...]:
        return tuple(ModelValue(n) for n in sorted(self.shrinkers))

    @property
    def swapoff_values(self) -> tuple[ModelValue, ...]:
        return tuple(ModelValue(n) for n in sorted(self.swapoffs))

    @property
    def slot_values(self) -> tuple[ModelValue, ...]:
        return tuple(ModelValue(n) for n in sorted(self.slots))

    @property
    def version_values(self) -> tuple[ModelValue, ...]:
        return tuple(ModelValue(n) for n in sorted(self.versions))

    @classmethod
    def from_cfg(cls, path: str | Path) -> Config:
        """Read the CONSTANTS of a TLC .cfg file (spec/models/*.cfg)."""
        try:
            return cls.from_cfg_text(Path(path).read_text())
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None

    @classmethod
    def from_cfg_text(cls, text: str) -> Config:
        """The Config of a TLC .cfg's text: its CONSTANTS and the substitutions the implementation knows."""
        constants = tlc_config.parse_cfg_constants(text)
        substitutions = tlc_config.parse_cfg_substitutions(text)
        fresh = substitutions.get("IsFreshVersion")
        if fresh not in (None, "FirstFreshVersion"):
            raise ConfigError(f"IsFreshVersion <- {fresh}: the implementation knows only FirstFreshVersion")
        constants["__fresh_version__"] = "first" if fresh else "any"
        for definition, substitute, field_name in SWITCHES:
            given = substitutions.get(definition)
            if given not in (None, substitute):
                raise ConfigError(f"{definition} <- {given}: the implementation knows only {substitute}")
            constants[f"__{field_name}__"] = given is not None
        return cls.from_constants(constants)

    @classmethod
    def from_constants(cls, constants: dict[str, object]) -> Config:
        def need(name: str) -> object:
            if name not in constants:
                raise ConfigError(f"constant {name} is not assigned (add `{name} = ...` under CONSTANTS)")
            return constants[name]

        def names(name: str) -> tuple[str, ...]:
            value = need(name)
            if not isinstance(value, frozenset):
                raise ConfigError(f"{name} must be a set of model values, got {value!r}")
            return tuple(sorted(value))

        budget = need("SCAN_BUDGET")
        if not isinstance(budget, int):
            raise ConfigError(f"SCAN_BUDGET must be a number, got {budget!r}")
        bugs = need("BUGS")
        if not isinstance(bugs, frozenset):
            raise ConfigError(f"BUGS must be a set of strings, got {bugs!r}")
        return cls(
            tasks=names("Tasks"),
            shrinkers=names("Shrinkers"),
            slots=names("Slots"),
            versions=names("Versions"),
            variant=str(need("VARIANT")),
            putback=str(need("PUTBACK")),
            scan_budget=budget,
            bugs=frozenset(str(b) for b in bugs),
            fairness=str(constants.get("FAIRNESS", "weak")),
            worker_charge_reclaim=bool(constants.get("WORKER_CHARGE_RECLAIM", False)),
            fresh_version=str(constants.get("__fresh_version__", "any")),
            sync_io=bool(constants.get("__sync_io__", False)),
            swap_shared=bool(constants.get("__swap_shared__", False)),
            shared_loads=bool(constants.get("__shared_loads__", False)),
            redirty=bool(constants.get("__redirty__", False)),
            unuse_matches_swap_entry=bool(constants.get("__unuse_matches_swap_entry__", False)),
            keep_swapout_folio=bool(constants.get("__keep_swapout_folio__", False)),
            clean_reclaim=bool(constants.get("__clean_reclaim__", False)),
            swapoffs=names("Swapoffs") if "Swapoffs" in constants else (),
        )
