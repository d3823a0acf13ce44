#!/usr/bin/env bash
# The Makefile's .venv step: `bash gen/tools/pip_install.sh PYTHON PIP-INSTALL-ARGS...`.
# Runs `PYTHON -m pip install ARGS` with pip's output in .venv/pip-install.log
# ($PIP_INSTALL_LOG overrides);
# when pip fails, says in one line which package could not be installed and
# what to do (the registry must be reachable, or a wheel cache given), instead
# of leaving the reader inside pip's output.
set -u
python=$1
shift
log=${PIP_INSTALL_LOG:-${python%/bin/*}/pip-install.log}
if "$python" -m pip install "$@" >"$log" 2>&1; then
    exit 0
fi
# pip names the requirement it could not satisfy in one of these two lines.
package=$(grep -oE "(No matching distribution found for|satisfies the requirement) [^ ]+" "$log" | head -n 1 | awk '{print $NF}')
if [ -n "$package" ]; then
    echo "pip could not install $package (pip's output: $log): the package registry (PyPI, or \$PIP_INDEX_URL) must be reachable, or give a wheel cache: PIP_NO_INDEX=1 PIP_FIND_LINKS=DIR make ..." >&2
else
    echo "pip failed installing the project's dependencies: $(grep -E '^ERROR' "$log" | tail -n 1) (pip's output: $log)" >&2
fi
exit 1
