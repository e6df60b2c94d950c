#!/usr/bin/env bash
# Installs what is missing (dig included), builds horizond and dnsctl, and runs horizond on the
# shipped zone at 127.0.0.1:5353. Extra arguments go to horizond (e.g. --forward 127.0.0.1:5300).
# Try it from another terminal:
#   dig @127.0.0.1 -p 5353 grafana.madhan.app
#   build/sync/dnsctl query grafana.madhan.app --zone zones/madhan.app.yaml   (no server needed)
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh run
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DHORIZON_BUILD_TESTS=OFF -DHORIZON_BUILD_BENCH=OFF
cmake --build build -j"$(nproc)" --target horizond dnsctl
cat >&2 <<'TEXT'
horizond is starting on 127.0.0.1:5353 (loopback is the LAN view). From another terminal:
  dig @127.0.0.1 -p 5353 grafana.madhan.app          # 192.168.1.220
  build/sync/dnsctl query grafana.madhan.app --view public --zone zones/madhan.app.yaml
Stop it with Ctrl-C.
TEXT
exec build/server/horizond --zone zones/madhan.app.yaml --listen 127.0.0.1:5353 "$@"
