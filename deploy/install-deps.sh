#!/usr/bin/env bash
# Installs the Debian packages horizon needs, and only those that are missing.
#   deploy/install-deps.sh build   # what building horizond, horizon-sync and dnsctl needs
#   deploy/install-deps.sh run     # plus dig, to ask the running server (the quick start), and
#                                  # the runtime set below, named for run-only hosts
#   deploy/install-deps.sh test    # plus the test suite's peers and tools (NSD, Unbound, dig,
#                                  # promtool from prometheus, and fstrm_capture and dnstap-ldns,
#                                  # which read dnstap back; systemd-analyze and docker-compose,
#                                  # which check the deployment files without running them), and
#                                  # what the image test uses
#   deploy/install-deps.sh runtime # only what the three programs load, and the CA bundle
#                                  # horizon-sync trusts, without any build tool: for a host or an
#                                  # image (deploy/image/Containerfile) that runs programs built
#                                  # elsewhere
# On a machine that has just booted, unattended upgrades may hold the package manager's lock for
# minutes: apt-get waits for it (up to LOCK_WAIT seconds, default 900) instead of failing.
set -euo pipefail

build_packages=(cmake make g++ pkg-config libldns-dev libboost-dev libboost-system-dev
  libyaml-cpp-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev libcurl4-openssl-dev
  nlohmann-json3-dev libcli11-dev libfstrm-dev libprotobuf-c-dev protobuf-c-compiler
  prometheus-cpp-dev libssl-dev libnghttp2-dev)
# The packages of the libraries horizond, horizon-sync and dnsctl are linked against (the image
# test checks this list against the programs), and the CA certificates.
runtime_packages=(libldns3 libssl3 libyaml-cpp0.7 libspdlog1.10 libfmt9 libcurl4 libfstrm0
  libprotobuf-c1 libprometheus-cpp-core1.0 libnghttp2-14 ca-certificates)
run_packages=(dnsutils "${runtime_packages[@]}")
# ca-certificates: deploy/image/build.sh copies its bundle into the image the tests build; mount:
# the image test mounts /proc and /dev inside the unpacked image, as a container runtime would;
# skopeo reads the image archive as Podman and Docker would load it; knot, bind9 and dig (dnsutils)
# are the peers the protocol comparison asks (TSIG, NSID, cookies), with NSD and Unbound; openssl
# makes the encrypted-DNS tests' CA and certificates, and with kdig and curl is their client.
test_packages=(nsd unbound ldnsutils dnsutils dnsperf python3 python3-jsonschema python3-yaml
  prometheus fstrm-bin dnstap-ldns ca-certificates mount skopeo systemd docker-compose knot
  knot-dnsutils bind9 openssl curl)

packages=("${build_packages[@]}")
case "${1:-build}" in
  build) ;;
  run) packages+=("${run_packages[@]}") ;;
  test) packages+=("${test_packages[@]}") ;;
  runtime) packages=("${runtime_packages[@]}") ;;
  *) echo "usage: $0 build|run|test|runtime" >&2; exit 2 ;;
esac
lock_wait="${LOCK_WAIT:-900}"

# test also brings what the Kubernetes manifests test (tests/kubernetes) uses: Debian 12's kubectl,
# whose kustomize v2 is the oldest the manifests support, and Node.js with npm for the schema check.
debian_kubectl_beside=/opt/kubernetes-client-debian
unpack_kubectl=""
if [ "${1:-build}" = test ]; then
  # A Node.js from elsewhere (NodeSource's bundles npm and conflicts with Debian's npm package)
  # is used as it is; Debian's only where there is none.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
  fi
  # dpkg lets one package own a file: where another kubectl (Google Cloud SDK's package, say)
  # holds /usr/bin/kubectl, Debian's is unpacked beside it, where the test also looks.
  owner="$(dpkg-query -S /usr/bin/kubectl 2>/dev/null | cut -d: -f1 || true)"
  if [ ! -e /usr/bin/kubectl ] || [ "$owner" = kubernetes-client ]; then
    packages+=(kubernetes-client)
  elif [ ! -x "$debian_kubectl_beside/usr/bin/kubectl" ]; then
    unpack_kubectl=yes
  fi
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ -z "$unpack_kubectl" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
[ ${#missing[@]} -eq 0 ] || echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# apt-get waits for dpkg's lock by itself (DPkg::Lock::Timeout); `update` fails at once when the
# lists lock is taken, so both are retried while another apt or dpkg holds a lock.
apt_get() {
  local deadline=$((SECONDS + lock_wait)) log
  log="$(mktemp)"
  until $sudo apt-get -o DPkg::Lock::Timeout="${lock_wait}" "$@" 2>"${log}"; do
    if ! grep -qiE 'could not get lock|unable to lock|unable to acquire' "${log}" ||
      ((SECONDS >= deadline)); then
      cat "${log}" >&2
      rm -f "${log}"
      return 1
    fi
    echo "waiting for another package manager to finish (its lock is taken)..." >&2
    sleep 5
  done
  cat "${log}" >&2
  rm -f "${log}"
}
apt_get update -q
# Daemons such as nsd (and prometheus, installed for promtool) must not start as system
# services: the tests start their own on loopback.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
[ ${#missing[@]} -eq 0 ] || apt_get install -y -q --no-install-recommends "${missing[@]}"

if [ -n "$unpack_kubectl" ]; then
  echo "unpacking Debian's kubernetes-client into $debian_kubectl_beside" >&2
  # A private folder (apt warns that it downloads unsandboxed, since its own user cannot write
  # there): nobody else can slip a package into it before it is unpacked.
  download="$(mktemp -d)"
  (cd "$download" && apt_get download kubernetes-client)
  $sudo mkdir -p "$debian_kubectl_beside"
  $sudo dpkg-deb -x "$download"/kubernetes-client_*.deb "$debian_kubectl_beside"
  rm -rf "$download"
fi
