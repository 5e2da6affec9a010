#!/usr/bin/env bash
# Installs the real VS Code the integration and UI tiers run in: code-server 4.100.3 (VS Code 1.100.3,
# the newest whose engines accept Node 20) from npm, outside the project's package.json, into
# ${FORMULA_LENS_CACHE:-~/.cache/formula-lens}/code-server-4.100.3. Skips when it is already there.
# Works offline with only the npm registry and Debian packages (see /work/shared/notes/real-vscode.md).
# Prints the code-server executable's path on stdout as its last line.
set -euo pipefail

version=4.100.3
cache_root=${FORMULA_LENS_CACHE:-$HOME/.cache/formula-lens}
install_dir=$cache_root/code-server-$version
code_server=$install_dir/node_modules/.bin/code-server
# Written only after the whole install (with code-server's own postinstall) succeeded.
stamp=$install_dir/.formula-lens-installed

# The version line, skipping what a first start prints before it ("info  Wrote default config file …").
version_line() { "$code_server" --version 2>&1 | grep -E '^[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true; }
installed_version() { [[ -e $stamp && -x $code_server ]] && version_line | cut -d' ' -f1; }
if [[ "$(installed_version || true)" == "$version" ]]; then
  echo "$code_server"
  exit 0
fi

# scripts/setup.sh --test apt-installs these; code-server's native modules and our tiers need them.
missing=()
command -v rg >/dev/null || missing+=(ripgrep)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
if ((${#missing[@]})); then
  echo "setup-vscode: missing Debian packages: ${missing[*]} (run: bash scripts/setup.sh --test)" >&2
  exit 1
fi

echo "setup-vscode: installing code-server $version into $install_dir (takes a few minutes)" >&2
rm -rf "$install_dir"
mkdir -p "$install_dir"

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache holds the archive: seed it with Debian's rg.
case $(uname -m) in
  x86_64) rg_target=x86_64-unknown-linux-musl ;;
  aarch64) rg_target=aarch64-unknown-linux-musl ;;
  *) echo "setup-vscode: no ripgrep target for $(uname -m)" >&2; exit 1 ;;
esac
rg_cache=${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11
rg_stage=$(mktemp -d)
trap 'rm -rf "$rg_stage"' EXIT
mkdir -p "$rg_cache"
cp "$(command -v rg)" "$rg_stage/rg"
tar czf "$rg_cache/ripgrep-v13.0.0-10-$rg_target.tar.gz" -C "$rg_stage" rg

# node-gyp builds code-server's native modules against the local Node headers instead of downloading them.
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [[ -z "${npm_config_nodedir:-}" && -e $node_prefix/include/node/node_api.h ]]; then
  export npm_config_nodedir=$node_prefix
fi

# A private project, so its allowScripts policy covers the two packages whose install scripts we need.
cat > "$install_dir/package.json" <<'JSON'
{
  "private": true,
  "description": "code-server for Formula Lens's integration and UI test tiers (made by scripts/setup-vscode.sh)",
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
# code-server's postinstall refuses to run as root without unsafe-perm; it then npm-installs VS Code's own deps,
# whose node-pty runs `npx node-gyp` (yes: let npx fetch node-gyp instead of prompting).
(
  cd "$install_dir"
  npm_config_unsafe_perm=true npm_config_yes=true npm install --save-exact --no-audit --no-fund --loglevel=error "code-server@$version" >&2
)
reported=$(version_line)
if [[ "${reported%% *}" != "$version" ]]; then
  echo "setup-vscode: code-server did not install correctly (--version said: $reported)" >&2
  exit 1
fi
touch "$stamp"
echo "$code_server"
