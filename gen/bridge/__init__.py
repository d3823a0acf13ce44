"""The bridge to TLC: Java and the jar, the run, its -tool output, outcomes, the manifest, TLA+ values as text."""
