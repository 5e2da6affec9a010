#!/usr/bin/env bash
# All tests, all tiers: unit (node:test), integration (inside a real VS Code extension host),
# UI (Playwright in that VS Code), PostgreSQL (a real server). Ends with one line summing every tier.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p test-results
rm -f test-results/*.json

npm run -s typecheck || echo '{"passed":0,"failed":1,"skipped":0}' > test-results/typecheck.json
node scripts/run-unit-tests.mjs
for tier in scripts/test-tier-*.sh; do [[ -e "$tier" ]] && bash "$tier"; done

node -e '
  const fs = require("fs");
  const sum = { passed: 0, failed: 0, skipped: 0 };
  for (const file of fs.readdirSync("test-results").filter((f) => f.endsWith(".json"))) {
    const counts = JSON.parse(fs.readFileSync("test-results/" + file, "utf8"));
    for (const key of Object.keys(sum)) sum[key] += counts[key] ?? 0;
  }
  const skipped = sum.skipped ? `, ${sum.skipped} skipped` : "";
  console.log(`${sum.passed} passed, ${sum.failed} failed${skipped}`);
  process.exit(sum.failed || sum.passed === 0 ? 1 : 0);
'
