#!/usr/bin/env bash
# Tier 2: the mocha suite test/integration/*.test.ts inside a real VS Code extension host (code-server
# 4.100.3 = VS Code 1.100.3, driven by headless Chromium). Writes test-results/integration.json.
set -uo pipefail
cd "$(dirname "$0")/.."
source test/runner/vscode-tier.sh
run_vscode_tier integration test/runner/integration.ts 300
