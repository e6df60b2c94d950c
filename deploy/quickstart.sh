#!/usr/bin/env bash
# Installs what is missing, builds horizond and runs it on the shipped zone at 127.0.0.1:5353.
# Try it from another terminal: dig @127.0.0.1 -p 5353 grafana.madhan.app
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DHORIZON_BUILD_TESTS=OFF -DHORIZON_BUILD_BENCH=OFF
cmake --build build -j"$(nproc)" --target horizond
exec build/server/horizond --zone zones/madhan.app.yaml --listen 127.0.0.1:5353 "$@"
