"""Review: the report (models table, counterexamples as diagrams) and the behaviour diff between spec revisions."""
