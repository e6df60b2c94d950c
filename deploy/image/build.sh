#!/usr/bin/env bash
# Builds the container image of horizond, horizon-sync and dnsctl as an OCI image archive, with
# no container tool and no registry: the image holds the three stripped programs, exactly the
# shared libraries they load (copied from this machine), the CA bundle, a non-root user and the
# container settings. See deploy/image/README.md.
#   deploy/image/build.sh OUT.tar [BUILD_DIR]
# BUILD_DIR defaults to build-image, a Release build this script configures and brings up to date.
# A BUILD_DIR of your own that already holds the three programs is used as it is (the test suite
# packs its own build this way); one that does not is configured as Release if new, then built.
# The same tree gives the same archive: time stamps are $SOURCE_DATE_EPOCH, by default the time of
# the checked-out commit.
set -euo pipefail
umask 022

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 OUT.tar [BUILD_DIR]" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
out="$(realpath -m "$1")"
build_dir="$(realpath -m "${2:-${repo}/build-image}")"
ca_bundle=/etc/ssl/certs/ca-certificates.crt

# horizon's user inside the image: 65532 is the customary uid and gid of distroless images'
# nonroot user, outside the ranges distributions give to system and login users.
uid=65532
gid=65532

for tool in python3 ldd strip cmake; do
  command -v "${tool}" >/dev/null ||
    { echo "$0: ${tool} is missing; deploy/install-deps.sh build installs it" >&2; exit 1; }
done
# horizon-sync talks HTTPS to Cloudflare's API: the image needs the CA certificates it trusts.
[ -s "${ca_bundle}" ] ||
  { echo "$0: ${ca_bundle} is missing; install Debian's ca-certificates package" >&2; exit 1; }

programs=("${build_dir}/server/horizond" "${build_dir}/sync/horizon-sync"
  "${build_dir}/sync/dnsctl")
have_programs=true
for program in "${programs[@]}"; do [ -x "${program}" ] || have_programs=false; done
if [ -z "${2:-}" ] || ! ${have_programs}; then
  if [ ! -f "${build_dir}/CMakeCache.txt" ]; then
    cmake -S "${repo}" -B "${build_dir}" -DCMAKE_BUILD_TYPE=Release -DHORIZON_BUILD_TESTS=OFF \
      -DHORIZON_BUILD_BENCH=OFF
  fi
  cmake --build "${build_dir}" -j"${JOBS:-2}" --target horizond horizon-sync dnsctl
fi
build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "${build_dir}/CMakeCache.txt" 2>/dev/null ||
  true)"
echo "packing the programs of ${build_dir} (build type ${build_type:-unknown})" >&2

version="$(sed -n 's/^project(horizon VERSION \([0-9.]*\).*/\1/p' "${repo}/CMakeLists.txt")"
revision="$(git -C "${repo}" rev-parse HEAD 2>/dev/null || true)"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git -C "${repo}" log -1 --format=%ct 2>/dev/null || echo 0)"
fi
export SOURCE_DATE_EPOCH
created="$(date -u -d "@${SOURCE_DATE_EPOCH}" +%Y-%m-%dT%H:%M:%SZ)"
description="Split-horizon DNS server horizond, with horizon-sync and dnsctl"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
root="${work}/root"
mkdir -p "${root}"/{usr/bin,etc/horizon/zones,etc/ssl/certs,run/horizon,tmp}
chmod 1777 "${root}/tmp"
chmod 0750 "${root}/run/horizon"

for program in "${programs[@]}"; do
  install -m 0755 "${program}" "${root}/usr/bin/"
  strip "${root}/usr/bin/$(basename "${program}")"
done
python3 "${here}/rootfs.py" "${root}" "${root}"/usr/bin/*
install -m 0644 "${ca_bundle}" "${root}/etc/ssl/certs/ca-certificates.crt"
install -m 0644 "${here}/horizond.yaml" "${root}/etc/horizon/horizond.yaml"
install -m 0644 "${repo}/zones/madhan.app.yaml" "${root}/etc/horizon/zones/madhan.app.yaml"

# The user's name, for `id` and for logs of tools that look it up; no shell, no home.
cat >"${root}/etc/passwd" <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
horizon:x:${uid}:${gid}:horizon:/nonexistent:/usr/sbin/nologin
EOF
cat >"${root}/etc/group" <<EOF
root:x:0:
horizon:x:${gid}:
EOF
# Without this file glibc would ask DNS before /etc/hosts, which Kubernetes and Docker fill in.
cat >"${root}/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
chmod 0644 "${root}"/etc/{passwd,group,nsswitch.conf}

# The settings deploy/image/Containerfile gives the same image; the test suite compares the two.
# No Healthcheck: Kubernetes ignores it and probes /health and /ready on port 9153 itself.
cat >"${work}/config.json" <<EOF
{
  "User": "${uid}:${gid}",
  "Entrypoint": ["/usr/bin/horizond"],
  "Cmd": ["--config", "/etc/horizon/horizond.yaml"],
  "Env": ["PATH=/usr/bin", "HORIZON_CONTROL_SOCKET=/run/horizon/control.sock"],
  "ExposedPorts": {"5353/udp": {}, "5353/tcp": {}, "9153/tcp": {}},
  "Labels": {
    "org.opencontainers.image.title": "horizon",
    "org.opencontainers.image.description": "${description}",
    "org.opencontainers.image.version": "${version}",
    "org.opencontainers.image.revision": "${revision}",
    "org.opencontainers.image.created": "${created}"
  }
}
EOF

mkdir -p "$(dirname "${out}")"
python3 "${here}/oci_archive.py" --root "${root}" --config "${work}/config.json" \
  --ref-name "horizon:${version}" --owner "run/horizon=${uid}:${gid}" --out "${out}"
