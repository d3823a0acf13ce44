"""Settings for the whole test run (every testpath: gen/tests, conformance/, the generated tests)."""

import os

from hypothesis import HealthCheck, settings

# CI runs derandomized: the same examples every time, so a red CI is reproducible.
# (A profile is global to the session: it applies to every Hypothesis test of the run.)
settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
if os.environ.get("CI"):
    settings.load_profile("ci")
