#!/usr/bin/env bash
# Installs what the `browser` tests need to render the report's Mermaid
# diagrams: Debian's chromium and @mermaid-js/mermaid-cli@12 (pinned by
# package-lock.json) into gen/mermaid-cli/node_modules (git-ignored).
# Idempotent: returns in well under a second when both are present.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "chromium missing: run 'sudo apt-get install -y chromium', then re-run $0" >&2
        exit 1
    fi
    echo "installing chromium (Debian package) ..." >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# The lock file is the source of truth: reinstall when it is newer than the
# last install (npm writes node_modules/.package-lock.json on every install).
stamp="$here/node_modules/.package-lock.json"
if [ ! -x "$here/node_modules/.bin/mmdc" ] || [ "$here/package-lock.json" -nt "$stamp" ]; then
    if ! command -v npm >/dev/null; then
        echo "npm not found: run 'apt-get install -y npm' (or install Node.js 18+), then re-run $0" >&2
        exit 1
    fi
    echo "installing @mermaid-js/mermaid-cli into $here/node_modules ..." >&2
    # Puppeteer would download its own Chrome build; we drive Debian's instead.
    (cd "$here" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
