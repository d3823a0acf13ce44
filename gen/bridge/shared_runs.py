"""A model whose verdict another model's TLC run decides (the manifest's ``checked_by``).

Some models name one claim of the thread (``putback_tail``: "with tail
put-back the walk moves on") on exactly the state graph of a bigger model
(``skip_if_exists``), checking a subset of what it checks.  TLC would explore
the same graph twice.  When the bigger model succeeds, every invariant and
property it checked holds on that graph, so the claim's success follows, with
the same distinct states and depth; ``make check`` then reports the claim as
checked by that run instead of running TLC again.  If the bigger model does
not succeed, nothing follows and the claim runs on its own.

What "exactly the state graph" means is checked here, from the two configs:
the same spec, mode, deadlock check and TLC switches, and the same config
text once comments and the INVARIANT(S) / PROPERTY(IES) sections are set
aside; the claim's invariants and properties a subset of the base's.
"""

from __future__ import annotations

from pathlib import Path

from conformance.tlc_config import config_sections

# What only checks the graph TLC explores, never shapes it.
_CHECKS = ("INVARIANT", "PROPERTY")


def why_not_covered(
    claim_config: Path, base_config: Path, *, same_run_settings: bool, claim_expects_success: bool
) -> str | None:
    """None when a success of the base's run decides the claim; else what stands in the way."""
    if not claim_expects_success:
        return "only an expected success can follow from another run"
    if not same_run_settings:
        return "the spec, mode, deadlock check or extra_args differ"
    claim = config_sections(claim_config.read_text(encoding="utf-8"))
    base = config_sections(base_config.read_text(encoding="utf-8"))
    graph_claim = {name: words for name, words in claim.items() if name not in _CHECKS}
    graph_base = {name: words for name, words in base.items() if name not in _CHECKS}
    if graph_claim != graph_base:
        differing = sorted(
            name for name in graph_claim.keys() | graph_base.keys() if graph_claim.get(name) != graph_base.get(name)
        )
        return f"the configs differ outside INVARIANT/PROPERTY ({', '.join(differing)})"
    for section in _CHECKS:
        missing = sorted(set(claim.get(section, ())) - set(base.get(section, ())))
        if missing:
            return f"the base does not check {section} {', '.join(missing)}"
    return None
