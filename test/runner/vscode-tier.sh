# Sourced by scripts/test-tier-{integration,ui}.sh: runs one VS Code tier's TypeScript runner against
# code-server (installed on first use), under a hard timeout. The runner writes test-results/<tier>.json;
# when it cannot (setup failed, build failed, killed by the timeout) this writes one failure instead.
# Usage: run_vscode_tier <tier> <runner.ts> <timeout seconds>
run_vscode_tier() {
  local tier=$1 runner=$2 seconds=$3 code_server status
  mkdir -p test-results
  rm -f "test-results/$tier.json"
  if ! code_server=$(bash scripts/setup-vscode.sh | tail -n1) || ! npm run -s build; then
    echo "$tier: setup failed (code-server install or build)"
    echo '{"passed":0,"failed":1,"skipped":0}' > "test-results/$tier.json"
    return 1
  fi
  FORMULA_LENS_CODE_SERVER=$code_server timeout --kill-after=10 "$seconds" node --import tsx "$runner"
  status=$?
  if [[ ! -s test-results/$tier.json ]]; then
    echo "$tier: the runner ended (status $status) without writing its counts"
    echo '{"passed":0,"failed":1,"skipped":0}' > "test-results/$tier.json"
    return 1
  fi
  return "$status"
}
