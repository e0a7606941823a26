#!/usr/bin/env bash
# Installs the Debian 12 packages quantscope needs to build, run and test, and
# only those that are missing (a second run installs nothing). Uses sudo when
# not root. Set QS_SKIP_APT=1 to skip (e.g. when packages come another way).
set -euo pipefail

PACKAGES=(
  # build
  g++ cmake make pkg-config
  # core
  libfmt-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
  # GUI: Dear ImGui (static, with GLFW/OpenGL3 backends), GLFW, stb, OpenGL via glvnd
  libimgui-dev libglfw3-dev libstb-dev fonts-dejavu-core
  # tests and benchmarks; Xvfb runs the GUI tests in a real (virtual) window
  libgtest-dev libgmock-dev libbenchmark-dev xvfb xauth
)

[[ "${QS_SKIP_APT:-0}" == 1 ]] && exit 0

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
