#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine with Node 20, skipping what is present:
# npm packages (npm ci) and the extension bundles. `--test` adds the test tiers' system packages.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
if [[ "${1:-}" == "--test" ]]; then
  # PyTorch/ONNX for the training tests; Chromium and code-server's build needs for the VS Code tiers;
  # PostgreSQL for the server tier.
  /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null || apt_packages+=(python3-torch python3-onnx)
  command -v chromium >/dev/null || apt_packages+=(chromium fonts-dejavu-core)
  command -v rg >/dev/null || apt_packages+=(ripgrep)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || apt_packages+=(libkrb5-dev)
  # The PostgreSQL server tier starts its own throwaway server from these binaries.
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_packages+=(postgresql)
fi
if ((${#apt_packages[@]})); then
  echo "setup: apt-get install ${apt_packages[*]}"
  sudo_cmd=(); [[ $(id -u) == 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.formula-lens-lock
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

echo "setup: build"
npm run -s build
