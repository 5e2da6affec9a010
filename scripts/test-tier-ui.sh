#!/usr/bin/env bash
# Tier 3: Playwright drives the workbench of a real VS Code (code-server 4.100.3 in headless Chromium)
# with the extension loaded: the checks in test/ui/*.ui.ts. Writes test-results/ui.json and screenshots.
# Its budget covers first-result.ui.ts (a fresh install preparing the real default index) and
# preparation.ui.ts (a large stand-in library's build, cancelled).
set -uo pipefail
cd "$(dirname "$0")/.."
source test/runner/vscode-tier.sh
run_vscode_tier ui test/runner/ui.ts 600
