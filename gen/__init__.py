"""The bridge to TLC and the generators of the conformance suite."""
