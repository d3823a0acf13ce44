"""The quote checker: parser and matcher on a made-up kernel tree, then the project's own quotes on real 6.12."""

from __future__ import annotations

import argparse
import io
import shutil
from pathlib import Path

import pytest

from gen.kernel.quote_parser import TagError, parse_tag
from gen.kernel.quotes import Outcome, QuoteResult, check_files, default_sources, installed_trees, renumber
from gen.kernel.quotes_cli import render_failures, render_table
from gen.kernel.sources import QUOTED_RELEASES, REPO, KernelTree
from gen.tests.kernel_fixtures import kernel_6_12

__all__ = ["kernel_6_12"]  # the fixture, re-exported so pytest finds it here

DATA = Path(__file__).parent / "data" / "kernel"
FAKE_TREE = DATA / "tree"


def _fake_tree(version: str, paths: object) -> Path | str:
    del paths
    return FAKE_TREE if version == "6.12" else f"no {version} tree in the test data"


@pytest.fixture(scope="module")
def fixture_results() -> dict[str, QuoteResult]:
    """The made-up quotes, checked against the made-up tree, by the quote's first words."""
    files = sorted((DATA / "sources").iterdir())
    results = check_files(files, _fake_tree, relative_to=DATA)
    return {f"{r.quote.file.name}:{r.quote.text.split()[0]}@{r.quote.line}": r for r in results}


def _result(results: dict[str, QuoteResult], line: int) -> QuoteResult:
    (found,) = [r for key, r in results.items() if key.endswith(f"@{line}") and r.quote.file.suffix == ".tla"]
    return found


def test_tag_grammar() -> None:
    assert parse_tag("6.12 mm/zswap.c:1164-1167").first_line == 1164
    assert parse_tag("6.12 mm/zswap.c:1194").last_line == 1194
    assert parse_tag("6.1 mm/zswap.c").first_line is None
    older = parse_tag("v6.8-rc3 a65b0e7607cc mm/swap_state.c")
    assert (older.version, older.commit, older.verifiable) == ("v6.8-rc3", "a65b0e7607cc", False)
    assert parse_tag("v6.8 a65b0e7607cc").path is None
    assert parse_tag("patch <1-2@x.org> mm/zswap.c").message_id == "1-2@x.org"
    for bad in ("6.12", "v6.8 abc mm/zswap.c", "6.12 mm/zswap.c:9-3", "patch 1@x mm/zswap.c"):
        with pytest.raises(TagError):
            parse_tag(bad)


def test_single_line_quote_is_found_at_its_line(fixture_results: dict[str, QuoteResult]) -> None:
    result = _result(fixture_results, 2)
    assert (result.outcome, result.where) == (Outcome.FOUND, "mm/widget.c:10")


def test_quote_continues_over_comment_lines_and_c_line_breaks(fixture_results: dict[str, QuoteResult]) -> None:
    result = _result(fixture_results, 5)
    assert result.quote.text == "if (w->busy && (flags & WIDGET_WAIT)) { widget_wait(w); return -EAGAIN; }"
    assert (result.outcome, result.where) == (Outcome.FOUND, "mm/widget.c:12-16")


def test_omission_pieces_in_order_within_the_range(fixture_results: dict[str, QuoteResult]) -> None:
    result = _result(fixture_results, 9)
    assert (result.outcome, result.where) == (Outcome.FOUND, "mm/widget.c:8-18")


def test_several_quotes_share_one_tag_without_range(fixture_results: dict[str, QuoteResult]) -> None:
    first, second = [r for key, r in fixture_results.items() if key.endswith("@12")]
    assert (first.outcome, first.where, second.where) == (Outcome.FOUND, "mm/widget.c:25", "mm/widget.c:24")


def test_quote_outside_its_range_fails_and_says_where_it_is(fixture_results: dict[str, QuoteResult]) -> None:
    result = _result(fixture_results, 15)
    assert (result.outcome, result.where) == (Outcome.OUT_OF_RANGE, "found at mm/widget.c:25")
    assert result.outcome.fails


def test_not_found_gives_the_nearest_lines(fixture_results: dict[str, QuoteResult]) -> None:
    result = _result(fixture_results, 18)
    assert result.outcome is Outcome.NOT_FOUND
    assert result.nearest is not None and result.nearest.first_line == 18
    message = render_failures([result])
    assert '"w->state = WIDGET_RAEDY;"' in message
    assert "nearest: mm/widget.c:18" in message and "w->state = WIDGET_READY;" in message


def test_untagged_c_quote_is_an_error_but_prose_and_code_strings_are_not(
    fixture_results: dict[str, QuoteResult],
) -> None:
    result = _result(fixture_results, 21)
    assert (result.quote.text, result.outcome) == ("widget_release(w);", Outcome.UNTAGGED)
    texts = [r.quote.text for r in fixture_results.values()]
    assert "Single" not in texts and "tail" not in texts and "widget_release(w)" not in texts


def test_older_code_is_listed_as_unverified_by_source(fixture_results: dict[str, QuoteResult]) -> None:
    commit = _result(fixture_results, 24)
    patch = _result(fixture_results, 25)
    assert (commit.outcome, commit.where) == (Outcome.UNVERIFIED_BY_SOURCE, "v6.8 a65b0e7607cc mm/widget.c")
    assert patch.outcome is Outcome.UNVERIFIED_BY_SOURCE and patch.quote.tag is not None
    assert patch.quote.tag.message_id == "20231130194023.4102148-1-nobody@example.com"
    assert not commit.outcome.fails


def test_block_comment_box_borders_are_stripped(fixture_results: dict[str, QuoteResult]) -> None:
    result = _result(fixture_results, 29)
    assert (result.quote.text, result.where) == ("widget_count--;", "mm/widget.c:25")


def test_python_comments_and_trailing_comments_start_their_own_paragraph(
    fixture_results: dict[str, QuoteResult],
) -> None:
    python = {r.quote.line: r for r in fixture_results.values() if r.quote.file.suffix == ".py"}
    assert (python[3].outcome, python[3].where) == (Outcome.FOUND, "mm/widget.c:18")
    assert (python[4].quote.text, python[4].outcome) == ("not(a quote);", Outcome.UNTAGGED)


def test_unverifiable_version_is_listed_with_the_reason(tmp_path: Path) -> None:
    source = tmp_path / "Old.tla"
    source.write_text('\\* [6.1 mm/widget.c:10] "widget_count++;"\n', encoding="utf-8")
    (result,) = check_files([source], _fake_tree, relative_to=tmp_path)
    assert (result.outcome, result.where) == (Outcome.UNVERIFIABLE, "no 6.1 tree in the test data")


def test_table_lists_every_quote_with_its_location(fixture_results: dict[str, QuoteResult]) -> None:
    table = render_table(list(fixture_results.values()))
    assert "sources/Quotes.tla:2" in table and "mm/widget.c:10" in table and "NOT FOUND" in table


def test_generated_files_are_not_read() -> None:
    sources = default_sources()
    assert REPO / "spec" / "Zswap.tla" in sources
    assert not [p for p in sources if "generated" in p.parts]


# ------------------------------------------------- the project's own quotes


def _spec_files() -> list[Path]:
    return [REPO / "spec" / "Zswap.tla", REPO / "spec" / "MCZswap.tla"]


def _failures_message(results: list[QuoteResult]) -> str:
    failures = [r for r in results if r.outcome.fails]
    return (
        f"{len(failures)} bad kernel quotes (python -m gen quotes --suggest says where they stand):\n"
        + render_failures(failures)
    )


@pytest.mark.kernel
def test_conformance_kernel_quotes_hold_against_6_12(kernel_6_12: KernelTree) -> None:
    files = [p for p in default_sources() if p not in _spec_files()]
    results = check_files(files, installed_trees(kernel_6_12.root if "--kernel-src" in kernel_6_12.source else None))
    assert results, "conformance/ quotes no kernel code: the retagged comments are gone?"
    assert not [r for r in results if r.outcome.fails], _failures_message(results)


@pytest.mark.kernel
def test_spec_kernel_quotes_hold_against_6_12(kernel_6_12: KernelTree) -> None:
    results = check_files(_spec_files(), installed_trees())
    assert not [r for r in results if r.outcome.fails], _failures_message(results)


def test_quotes_command_exit_status(tmp_path: Path) -> None:
    from gen.kernel import quotes_cli

    good = tmp_path / "Good.tla"
    good.write_text('\\* [v6.8 a65b0e7607cc mm/x.c] "x();"\n', encoding="utf-8")
    out = io.StringIO()
    status = quotes_cli.main(argparse.Namespace(files=[good], kernel_src=None, suggest=False), stdout=out)
    assert status == 0 and "unverified-by-source" in out.getvalue()
    bad = tmp_path / "Bad.tla"
    bad.write_text('\\* "x();"\n', encoding="utf-8")
    status = quotes_cli.main(argparse.Namespace(files=[bad], kernel_src=None, suggest=False), stdout=io.StringIO())
    assert status == 1


def test_c_comments_line_and_block_but_not_string_literals(fixture_results: dict[str, QuoteResult]) -> None:
    c = {r.quote.line: r for r in fixture_results.values() if r.quote.file.suffix == ".c"}
    assert sorted(c) == [3, 5, 8]  # the string literal on line 2 holds no comment
    assert (c[3].outcome, c[3].where) == (Outcome.FOUND, "mm/widget.c:10")
    assert (c[5].quote.text, c[5].where) == ("if (w->busy && (flags & WIDGET_WAIT)) {", "mm/widget.c:12-13")
    assert c[8].outcome is Outcome.OUT_OF_RANGE


def test_the_c_harness_is_a_default_source() -> None:
    kernel = REPO / "conformance" / "kernel"
    assert {kernel / "harness.c", kernel / "kc_stubs.h"} <= set(default_sources())


def test_another_stable_release_moves_lines_and_renumber_rewrites_the_tags(tmp_path: Path) -> None:
    """Debian's linux-source-6.12 follows the stable series: lines may move, the text may not."""
    tree = tmp_path / "tree"
    shutil.copytree(FAKE_TREE, tree)
    (tree / "Makefile").write_text("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 999\n")
    spec = tmp_path / "Moved.tla"
    spec.write_text('\\* [6.12 mm/widget.c:1-3] "widget_count--;"\nMoved == TRUE\n')

    def trees(version: str, paths: object) -> Path | str:
        del paths
        return tree if version == "6.12" else "none"

    (moved,) = check_files([spec], trees, relative_to=tmp_path)
    assert moved.outcome is Outcome.MOVED and not moved.outcome.fails
    assert moved.where.startswith("found at mm/widget.c:25 of 6.12.999")
    # The tags' own release: a quote outside its lines fails as before.
    (tree / "Makefile").write_text(
        f"VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = {QUOTED_RELEASES['6.12'].split('.')[2]}\n"
    )
    (strict,) = check_files([spec], trees, relative_to=tmp_path)
    assert strict.outcome is Outcome.OUT_OF_RANGE
    assert renumber([strict], trees, relative_to=tmp_path) == {Path("Moved.tla"): 1}
    assert spec.read_text().startswith('\\* [6.12 mm/widget.c:25] "widget_count--;"')
    (fixed,) = check_files([spec], trees, relative_to=tmp_path)
    assert fixed.outcome is Outcome.FOUND
