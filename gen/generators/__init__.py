"""The generators: TLC's state graphs and counterexamples -> conformance/generated/ (walks, ITF traces, mutants)."""
