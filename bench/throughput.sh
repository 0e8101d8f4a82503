#!/usr/bin/env bash
# Throughput of seccheck (every response checked with the recommended preset) against plain
# vegeta (its library, no checks), interleaved, against the same local nginx, with the same
# number of requests in flight. Prints each run's req/s and the median ratio per path.
#   bench/throughput.sh [ROUNDS=3] [DURATION=10s] [WORKERS=64]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS=${1:-3}; DURATION=${2:-10s}; WORKERS=${3:-64}
build
start_nginx
printf '%-5s %-6s %12s %12s %7s\n' path round vegeta seccheck ratio
for path in /ok /big; do
  ratios=()
  closed_spec "$path" "$WORKERS" "$DURATION" "$OUT/throughput.yaml"
  for round in $(seq "$ROUNDS"); do
    v=$("$OUT/vegeta-plain" -url "$TARGET$path" -workers "$WORKERS" -duration "$DURATION" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rps"]))')
    "$OUT/seccheck" run "$OUT/throughput.yaml" --no-progress --out json="$OUT/throughput.json" >/dev/null || true
    s=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(round(r["totals"]["rps"]))' "$OUT/throughput.json")
    r=$(python3 -c "print(f'{$s/$v:.2f}')")
    ratios+=("$r")
    printf '%-5s %-6s %12s %12s %7s\n' "$path" "$round" "$v" "$s" "$r"
  done
  printf '%-5s median ratio seccheck/vegeta: %s\n' "$path" "$(printf '%s\n' "${ratios[@]}" | median)"
done
