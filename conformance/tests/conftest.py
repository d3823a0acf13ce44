import os

from hypothesis import HealthCheck, settings

# CI runs derandomized: the same examples every time, so a red CI is reproducible.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
