"""The one text form of a step: ``StartFault(t1, s=s1)``, printed and parsed by conformance.steps."""

from __future__ import annotations

import pytest

from conformance.config import Config
from conformance.steps import STEPS, Step, StepSyntaxError, example_text, parse_step, parse_steps
from conformance.system import System
from conformance.values import ModelValue


def test_every_step_of_a_system_reads_back_as_itself() -> None:
    system = System(Config())
    system.step("SwapOut", s="s1", v="v1")
    system.step("StartFault", "t1", s="s1")
    for step in system.enabled():
        assert parse_step(str(step)) == step


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_steps_example_parses(name: str) -> None:
    assert parse_step(example_text(name)).name == name


def test_a_schedule_is_steps_separated_by_spaces_or_semicolons() -> None:
    s1, t1, v1 = ModelValue("s1"), ModelValue("t1"), ModelValue("v1")
    assert parse_steps(" SwapOut(s=s1, v=v1); StartFault(t1, s=s1)\n ChargeOk(t1) ") == [
        Step("SwapOut", None, (("s", s1), ("v", v1))),
        Step("StartFault", t1, (("s", s1),)),
        Step("ChargeOk", t1),
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("SwapOut(s1, v1)", r"name each argument, e.g. SwapOut\(s=s1, v=v1\)"),
        ("StartFault(s=s1)", r"an actor's step; name the actor first, e.g. StartFault\(t1, s=s1\)"),
        ("StartFault(t1)", r"StartFault takes \(s\)"),
        ("StartFault(t1, s=s1, v=v1)", r"StartFault takes \(s\) once each"),
        ("Swapout(s=s1, v=v1)", r"no step is called 'Swapout'"),
        ("ChargeOk(t1,)", r"an empty argument"),
        ("ChargeOk t1", r"cannot read"),
    ],
    ids=["positional-args", "no-actor", "missing-arg", "extra-arg", "unknown-name", "empty-arg", "no-parens"],
)
def test_bad_step_text_says_how_to_write_it(text: str, says: str) -> None:
    with pytest.raises(StepSyntaxError, match=says):
        parse_step(text)


def test_junk_between_steps_of_a_schedule_is_an_error() -> None:
    with pytest.raises(StepSyntaxError, match=r"cannot read a step at 'then ChargeOk"):
        parse_steps("SwapOut(s=s1, v=v1) then ChargeOk(t1)")
