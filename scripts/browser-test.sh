#!/usr/bin/env bash
# The dashboard page and GraphiQL in a real browser: starts the tongxin binary on a fresh
# SQLite file with the demo data and runs web/tests (playwright-core driving Debian's
# Chromium, installed here when missing), on SQLite and, when TEST_DATABASE_URL is set, on
# a scratch PostgreSQL database. Screenshots go to $TONGXIN_SCREENSHOTS/<backend>
# (default target/screenshots), kept as CI artifacts. `.ci/run` calls it after the tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
binary="${TONGXIN_BINARY:-$target/debug/tongxin}"
[ -x "$binary" ] || (cd "$root" && cargo build -p api --bin tongxin)

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || { echo "chromium could not be installed"; exit 1; }
fi

# A Chinese font, so that the screenshots show the page as a bureau's PC does (Windows has
# Microsoft YaHei; a bare Debian has no CJK glyphs at all).
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null \
    || echo "no Chinese font could be installed: the screenshots will show boxes"
fi

work="$(mktemp -d)"
server=""
pg_database=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -n "$pg_database" ] && psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $pg_database" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root/web"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
shots="${TONGXIN_SCREENSHOTS:-$target/screenshots}"

# Runs the browser tests against a server on $1 (a database URL), screenshots in $2.
run_against() {
  local url="$1" name="$2" port
  export JWT_SECRET=browser-test-secret-not-for-production
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  DATABASE_URL="$url" "$binary" seed-demo >"$work/seed-$name.log" 2>&1 || { cat "$work/seed-$name.log"; exit 1; }
  DATABASE_URL="$url" TONGXIN_LISTEN="127.0.0.1:$port" TONGXIN_METRICS_LISTEN=off \
    "$binary" serve >"$work/server-$name.log" 2>&1 &
  server=$!
  for _ in $(seq 1 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server-$name.log"; exit 1; }
    sleep 0.5
  done
  echo "browser tests on $name"
  TONGXIN_URL="http://127.0.0.1:$port" TONGXIN_SCREENSHOTS="$shots/$name" \
    node --test --test-reporter=spec tests/
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}

run_against "sqlite://$work/browser.db?mode=rwc" sqlite
# On PostgreSQL too when the suite has one (CI sets TEST_DATABASE_URL): a scratch database.
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  pg_database="tongxin_browser_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $pg_database" >/dev/null
  run_against "${TEST_DATABASE_URL%/*}/$pg_database" postgres
fi
echo "screenshots in $shots"
