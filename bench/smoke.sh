#!/usr/bin/env bash
# Wall time of `seccheck check` (issue 5: smoke.yaml against `seccheck demo --serve` in < 5 s).
# Starts the embedded demo target on a free 127.0.0.1 port, times `check specs/examples/smoke.yaml`
# and `check` of a generated 20-endpoint spec against it (RUNS times each, default 3; prints every
# run and the median), then stops the target by its PID.
#
#   bench/smoke.sh            # the broken demo service (check exits 1: it finds the defects)
#   FIXED=1 bench/smoke.sh    # the fixed one (check exits 0)
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-3}
(cd "$ROOT" && go build -o "$OUT/seccheck" ./cmd/seccheck)
SECCHECK=$OUT/seccheck

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
serve_args=(demo --serve "127.0.0.1:$PORT")
[ "${FIXED:-0}" = 1 ] && serve_args+=(--fixed)
"$SECCHECK" "${serve_args[@]}" >"$OUT/smoke-serve.log" 2>&1 &
SERVE_PID=$!
stop_serve() {
  if [ -n "${SERVE_PID:-}" ]; then
    kill -INT "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
    SERVE_PID=""
  fi
}
trap stop_serve EXIT
for _ in $(seq 100); do
  curl -fs "$URL/api/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$URL/api/health" >/dev/null || { echo "demo target did not come up on $URL" >&2; cat "$OUT/smoke-serve.log" >&2; exit 1; }

# A 20-endpoint spec against the demo target: its four routes with and without credentials,
# error paths (404, 405, 422) and query variants, each endpoint checked like any other.
SPEC20=$OUT/smoke20.yaml
{
  cat <<YAML
version: 1
name: smoke-20
target: {url: "$URL", timeout: 5s}
auth: {bearer: demo-token}
endpoints:
YAML
  for i in 1 2 3 4; do
    echo "  - {name: items-$i, path: \"/api/items?page=$i\", auth: none, expect: {status: [200]}}"
    echo "  - {name: health-$i, path: \"/api/health?probe=$i\", auth: none, expect: {status: [200]}}"
    echo "  - {name: secure-$i, path: \"/api/secure?v=$i\", expect: {status: [200]}}"
  done
  for i in 1 2; do
    echo "  - {name: secure-anon-$i, path: \"/api/secure?v=$i\", auth: none, expect: {status: [401]}}"
    echo "  - {name: login-bad-$i, method: POST, path: /api/login, auth: none, headers: {Content-Type: application/json}, body: '{\"user\": ', expect: {status: [422]}}"
    echo "  - {name: missing-$i, path: \"/api/nope-$i\", auth: none, expect: {status: [404]}}"
    echo "  - {name: wrong-method-$i, method: DELETE, path: /api/items, auth: none, expect: {status: [405]}}"
  done
  echo "checks: {preset: recommended}"
} >"$SPEC20"

now() { date +%s.%N; }

# time_check LABEL SPEC: runs check RUNS times, prints each wall time and the median.
time_check() {
  local label=$1 spec=$2 t0 t1 code times=()
  for r in $(seq "$RUNS"); do
    t0=$(now)
    set +e
    TARGET_URL=$URL "$SECCHECK" check "$spec" --out "json=$OUT/$label.json" >"$OUT/$label.txt" 2>&1
    code=$?
    set -e
    t1=$(now)
    times+=("$(echo "$t1 - $t0" | bc -l)")
    printf '  %-12s run %d: %6.3f s wall, exit %d, %s requests\n' "$label" "$r" "${times[-1]}" "$code" \
      "$(jq '.totals.requests' "$OUT/$label.json" 2>/dev/null || echo '?')"
  done
  printf '%-12s median %.3f s wall over %d runs (%s endpoints)\n' "$label" \
    "$(printf '%s\n' "${times[@]}" | median)" "$RUNS" "$(jq '.endpoints | length' "$OUT/$label.json")"
}

echo "seccheck check against seccheck demo --serve on $URL ($([ "${FIXED:-0}" = 1 ] && echo fixed || echo broken)), $(nproc) cores"
time_check smoke "$ROOT/specs/examples/smoke.yaml"
time_check smoke-20 "$SPEC20"
