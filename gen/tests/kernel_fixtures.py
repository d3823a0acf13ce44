"""The kernel tree fixture for tests that read the real 6.12 sources: extracted on demand, skipped when not installed."""

from __future__ import annotations

import pytest

from gen.kernel.errors import KernelSourceMissing
from gen.kernel.sources import KernelTree, kernel_tree


@pytest.fixture(scope="session")
def kernel_6_12() -> KernelTree:
    """build/kernel/linux-6.12, extracted once (~16 s the first time, a stat afterwards)."""
    try:
        return kernel_tree()
    except KernelSourceMissing as error:
        pytest.skip(f"needs the Linux 6.12 sources: {error.todo}")
