#!/usr/bin/env bash
# Installs what neo needs on a fresh Debian machine with Node/npm: Bun 1.4.4 and the
# project's npm packages. With --test it also installs what the test suite drives:
# real MQTT clients and broker, libcoap's CoAP client, curl, openssl, Chromium, qemu for the arm64 binary,
# systemd-analyze, Prometheus (scrapes /metrics), strace (the fsync-before-PUBACK proof),
# Python's grpcio and grpc_tools and Node (the gRPC clients).
# Under CI=true a test whose tool is missing fails (test/e2e/requires.ts), so every tool a
# test needs is in this list.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v bun >/dev/null 2>&1 || [ "$(bun --version)" != "1.4.4" ]; then
  npm install -g bun@1.4.4 >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
  need=()
  command -v mosquitto_pub >/dev/null || need+=(mosquitto-clients)
  command -v coap-client-openssl >/dev/null || need+=(libcoap3-bin) # CoAP over UDP and coaps+tcp (test/e2e/coap-*.test.ts)
  command -v mosquitto >/dev/null && [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
  command -v curl >/dev/null || need+=(curl)
  command -v openssl >/dev/null || need+=(openssl)
  command -v chromium >/dev/null || need+=(chromium)
  command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
  [ -d /usr/aarch64-linux-gnu/lib ] || need+=(libc6-arm64-cross)
  command -v systemd-analyze >/dev/null || need+=(systemd)
  [ -x /usr/bin/prometheus ] || need+=(prometheus) # a real scrape of /metrics (test/e2e/metrics.test.ts)
  command -v strace >/dev/null || need+=(strace)    # every PUBACK after an fsync (test/e2e/storage-sync.test.ts)
  # machbase-neo gRPC clients (test/e2e/grpc-*.test.ts): Debian's grpcio, stubs from grpc_tools; Node runs @grpc/grpc-js
  /usr/bin/python3 -c "import grpc" 2>/dev/null || need+=(python3-grpcio)
  /usr/bin/python3 -c "import grpc_tools" 2>/dev/null || need+=(python3-grpc-tools)
  command -v node >/dev/null || need+=(nodejs)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql) # Export to PostgreSQL (test/e2e/export-postgres.test.ts)
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi

bun install --frozen-lockfile >/dev/null
