"""Where things are in the repository: the one place that knows the tree's layout."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = REPO_ROOT / "spec"
PROTOCOL = SPEC_DIR / "Zswap.tla"  # the protocol; its action lines are quoted in generated tests
MC_SPEC = SPEC_DIR / "MCZswap.tla"  # the protocol plus what only model checking needs
MODELS_DIR = SPEC_DIR / "models"
MANIFEST = SPEC_DIR / "models.json"
MANIFEST_SCHEMA = SPEC_DIR / "models.schema.json"
GENERATED = REPO_ROOT / "conformance" / "generated"
BUILD = REPO_ROOT / "build"
GEN_SCRATCH = BUILD / "gen"
CHECK_JSON = BUILD / "check.json"
MERMAID_CLI_DIR = REPO_ROOT / "gen" / "mermaid-cli"
