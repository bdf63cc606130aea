#!/usr/bin/env bash
# Installs the Debian packages hubrules builds with, only those that are missing.
# Run as root (or with sudo available) on Debian 12 or newer.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config tao-pegtl-dev libsimdjson-dev libboost-dev
          libspdlog-dev libfmt-dev catch2 librapidcheck-dev libsqlite3-dev libssl-dev
          libtomlplusplus-dev libpq-dev postgresql prometheus wrk chromium chromium-driver
          fonts-ipafont-gothic)
# postgresql: only its server binaries (/usr/lib/postgresql/*/bin) for the tests' throw-away
# clusters (tests/postgres/cluster.sh); the tests neither need nor touch a system PostgreSQL service.
# chromium, chromium-driver: the [browser] tests drive a headless chromium through chromedriver
# (tests/browser/); without them those tests skip. fonts-ipafont-gothic: Japanese pages in their
# screenshots (without a CJK font chromium draws empty boxes).
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The node_client test runs HubSpot's Node client, which needs Node 18 or newer (Debian 12's
# nodejs). A node or npm already on PATH, from Debian or not, is left alone.
for tool in node npm; do
  command -v "$tool" >/dev/null || missing+=("$([[ $tool == node ]] && echo nodejs || echo npm)")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "Installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
