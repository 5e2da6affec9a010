#!/usr/bin/env bash
# Tier 4: test/postgres/*.test.ts against a real PostgreSQL server from Debian's packages, which each test file
# starts in a temporary folder on a free loopback port and stops (test/helpers/postgres-server.ts).
# Writes test-results/postgres.json.
set -uo pipefail
cd "$(dirname "$0")/.."
node scripts/run-unit-tests.mjs --tier postgres
