#!/usr/bin/env bash
# The main job on a fresh machine: install, build, then a real search on the bundled default index
# (its vectors are built into ~/.cache/formula-lens on the first run, with progress on stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec ./bin/formula-lens search '\theta_{t+1} = \theta_t - \eta \nabla L(\theta_t)'
