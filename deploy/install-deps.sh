#!/usr/bin/env bash
# Installs the Debian packages horizon needs, and only those that are missing.
#   deploy/install-deps.sh build   # what building and running horizond needs
#   deploy/install-deps.sh test    # plus the test suite's peers and tools (NSD, dig)
set -euo pipefail

build_packages=(cmake make g++ pkg-config libldns-dev libboost-dev libboost-system-dev
  libyaml-cpp-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev libcurl4-openssl-dev
  nlohmann-json3-dev)
test_packages=(nsd unbound ldnsutils dnsutils dnsperf python3 python3-jsonschema python3-yaml)

packages=("${build_packages[@]}")
case "${1:-build}" in
  build) ;;
  test) packages+=("${test_packages[@]}") ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# Daemons such as nsd must not start as system services: the tests start their own on loopback.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
