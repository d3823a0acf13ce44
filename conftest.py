"""Settings for the whole test run (every testpath: gen/tests, conformance/, the generated tests),
and the options for running the conformance suite against the kernel's own C (conformance/kernel/):

    pytest --impl=kernel conformance/generated/test_conf_rotate.py
    pytest conformance/kernel --kernel-src ~/linux --kernel-patch my.patch
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# CI runs derandomized: the same examples every time, so a red CI is reproducible.
# (A profile is global to the session: it applies to every Hypothesis test of the run.)
settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kernel", "the kernel's own C under test (conformance/kernel/)")
    group.addoption(
        "--impl",
        choices=("python", "kernel"),
        default="python",
        help="implementation the generated conformance tests drive: the Python reference "
        "(default) or the real 6.12 C harness",
    )
    group.addoption(
        "--kernel-src",
        type=Path,
        default=None,
        help="build the C harness from this kernel tree instead of the linux-source-6.12 tarball",
    )
    group.addoption(
        "--kernel-patch",
        type=Path,
        action="append",
        default=[],
        help="apply this .patch (patch -p1) to the kernel sources before building (repeatable)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --impl=kernel, the generated tests where the C and the spec knowingly differ are strict xfails.

    They are keyed by their walk's steps, not by test name (conformance/kernel/divergences.py).
    """
    if config.getoption("--impl") != "kernel":
        return
    from conformance.kernel.divergences import KERNEL_DIVERGENCES, walks

    keys: dict[Path, dict[str, str]] = {}
    for item in items:
        if "generated" not in item.path.parts:
            continue
        if item.path not in keys:
            keys[item.path] = dict(walks(item.path))
        reason = KERNEL_DIVERGENCES.get(keys[item.path].get(item.name, ""))
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture(scope="session")
def kernel_build_options(request: pytest.FixtureRequest) -> tuple[list[Path], Path | None]:
    return list(request.config.getoption("--kernel-patch")), request.config.getoption("--kernel-src")


@pytest.fixture(scope="session")
def kernel_harness(kernel_build_options: tuple[list[Path], Path | None]) -> Path:
    """The built harness (6.12 as released, or with --kernel-src / --kernel-patch); skips if it cannot be built."""
    from conformance.kernel.build import BuildError, build
    from conformance.kernel.extract import ExtractError

    patches, src = kernel_build_options
    try:
        return build(patches, src)
    except (BuildError, ExtractError) as err:
        pytest.skip(f"kernel harness not available: {err}")


@pytest.fixture(autouse=True)
def _select_implementation(request: pytest.FixtureRequest) -> None:
    """With --impl=kernel, only generated tests of variant rotate without bugs run (the C is 6.12 as released)."""
    if request.config.getoption("--impl") != "kernel" or "generated" not in request.node.path.parts:
        return
    graph = getattr(request.module, "graph", None)
    config = getattr(graph, "CONFIG", None)
    if config is None or config.variant != "rotate" or config.bugs:
        pytest.skip(
            "--impl=kernel: the C is 6.12 as released, which is variant rotate without bugs "
            "(for a bug model, build a patched harness: --kernel-patch)"
        )
    if config.worker_charge_reclaim:
        pytest.skip(
            "--impl=kernel: the C harness's charge shim never makes the worker's writeback charge "
            "reclaim or fail (WORKER_CHARGE_RECLAIM): the reference implementation only"
        )
    if config.swap_shared:
        pytest.skip("--impl=kernel: the C harness has no fork (SwapDuplicate, use count 2): the reference only")
    if config.redirty or config.keep_swapout_folio or config.clean_reclaim:
        pytest.skip(
            "--impl=kernel: the C harness reclaims no swap-cache folio's page (SwapOutKeepCache, SwapOutAgain, "
            "UnmapCleanFolio): the reference only"
        )


@pytest.fixture
def system_for(request: pytest.FixtureRequest, system_for: Any) -> Any:
    """The generated tests' system factory: conformance/pytest_plugin.py's (the reference
    implementation), or with --impl=kernel one that builds a KernelSystem over the built harness.
    Overrides the plugin's fixture of the same name, which it receives as its argument."""
    if request.config.getoption("--impl") != "kernel" or "generated" not in request.node.path.parts:
        return system_for
    exe = request.getfixturevalue("kernel_harness")
    from conformance.config import Config
    from conformance.kernel.system import KernelSystem

    def make(config: Config) -> KernelSystem:
        return KernelSystem(config, exe)

    return make
