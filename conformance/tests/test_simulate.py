"""The simulator's log and its reasons for stopping."""

from __future__ import annotations

import pytest

from conformance.simulate import main


def test_random_schedule_in_none_ends_in_the_self_wait(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--variant", "none", "--seed", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "deadlock:"
    # t1 since MapFolioKeepCache is a choice of every variant (the schedule shifted; t2 before)
    assert out[-1].endswith("pinned by t1 (its own pin: the recursion of the thread)")
    assert "LruIsolate(t1)" in out[-3]


def test_abba_names_both_pins(capsys: pytest.CaptureFixture[str]) -> None:
    script = (
        "SwapOut(s=s1, v=v1) SwapOut(s=s2, v=v2) StartFault(t1, s=s2) StartFault(t2, s=s1) SwapcachePrepare(t1) "
        "SwapcachePrepare(t2) ChargeReclaim(t1) ChargeReclaim(t2) LruIsolate(t1) LruIsolate(t2)"
    )
    assert main(["--script", script]) == 0
    out = capsys.readouterr().out
    assert "t1 in zswap_writeback_entry(s1) at pc prepare waits on slot s1" in out and "pinned by t2" in out
    assert "t2 in zswap_writeback_entry(s2) at pc prepare waits on slot s2" in out and "pinned by t1" in out


def test_stale_data_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    script = (
        "SwapOut(s=s1, v=v1) ShrinkWorker(k1) LruIsolate(k1) FreeSlot(s=s1) SwapOut(s=s1, v=v2) WbAllocFolio(k1) "
        "WbWrite(k1) StartFault(t1, s=s1) SwapCacheHit(t1) MapFolio(t1)"
    )
    assert main(["--bugs", "04fc7816089c", "--script", script]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "stale data: t1 maps v1 at slot s1, but its page is v2"
    # with the re-check, the same race ends in WbEntryGone and the script's WbWrite is refused
    assert main(["--script", script]) == 1
    assert (
        "WbWrite(k1) refused: k1 in zswap_writeback_entry(s1) at pc write can take only WbEntryGone(k1)"
        in capsys.readouterr().err
    )


def test_bad_input_says_what_to_write(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--script", "StartFault()"]) == 2
    assert "name the actor first" in capsys.readouterr().err
    assert main(["--bugs", "cafe"]) == 2
    assert "BUGS ['cafe'] unknown" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("script", "says"),
    [
        ("garbage", "cannot read a step at 'garbage'"),
        ("SwapOut(s=s1, v=v1) and then StartFault(t1, s=s1)", "cannot read a step at 'and then"),
        ("SwapOut(s=s1, v=v1) StartFault(t1, s=s1", "cannot read a step at 'StartFault(t1, s=s1'"),
        ("", "has no step"),
        (" ; ", "has no step"),
    ],
)
def test_a_script_that_is_not_all_steps_is_an_error(capsys: pytest.CaptureFixture[str], script: str, says: str) -> None:
    assert main(["--script", script]) == 2
    captured = capsys.readouterr()
    assert says in captured.err and captured.out == ""  # nothing ran
