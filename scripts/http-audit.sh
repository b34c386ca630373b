#!/usr/bin/env bash
# Starts the tongxin binary on a fresh SQLite file and runs the graphql-http server audits
# (GraphQL over HTTP, scripts/graphql-http-audit) against it; fails on any failed MUST or
# SHOULD. `.ci/run` calls it after the tests, so the debug binary is already built.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
binary="${TONGXIN_BINARY:-$target/debug/tongxin}"
[ -x "$binary" ] || (cd "$root" && cargo build -p api --bin tongxin)

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
DATABASE_URL="sqlite://$work/audit.db?mode=rwc" TONGXIN_LISTEN="127.0.0.1:$port" \
  TONGXIN_METRICS_LISTEN=off JWT_SECRET=http-audit-secret-not-for-production \
  "$binary" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.5
done

cd "$root/scripts/graphql-http-audit"
[ -d node_modules ] || npm ci --no-audit --no-fund --silent
node audit.mjs "http://127.0.0.1:$port/graphql"
