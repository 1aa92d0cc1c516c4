# Shared by ./demo and ./test: make a fresh Debian machine with Python ready.
# Installs uv (through pip) and, through apt, the system packages named in $@ when missing.
set -euo pipefail

# Sets UV to the command that runs uv: `"${UV[@]}" sync`, also after `exec`, which
# cannot run a shell function.
ensure_uv() {
  if command -v uv >/dev/null 2>&1; then
    UV=(uv)
    return 0
  fi
  if ! python3 -m uv --version >/dev/null 2>&1; then
    echo "Installing uv…"
    python3 -m pip install --quiet --user uv 2>/dev/null \
      || python3 -m pip install --quiet --user --break-system-packages uv 2>/dev/null \
      || python3 -m pip install --quiet uv
  fi
  # Wherever pip put its script (~/.local/bin is often not on PATH), the module runs.
  UV=(python3 -m uv)
}

ensure_debian_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
