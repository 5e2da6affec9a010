#!/usr/bin/env bash
# The main job on a fresh machine: install, build, then run formula-lens.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec ./bin/formula-lens formulas test/fixtures/latex-paper
