#!/usr/bin/env bash
# Throughput of seccheck (every response checked with the recommended preset) against plain
# vegeta (its library, no checks), interleaved, against the same local nginx, with the same
# number of requests in flight. Prints each run's req/s and the median ratio per path.
# When the vegeta CLI is on PATH (go install github.com/tsenart/vegeta/v12@v12.13.0), it is
# measured too, as DESIGN.md's peer table does: `vegeta attack | vegeta report`.
#   bench/throughput.sh [ROUNDS=3] [DURATION=10s] [WORKERS=64]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS=${1:-3}; DURATION=${2:-10s}; WORKERS=${3:-64}
build
start_nginx
cli=""
command -v vegeta >/dev/null 2>&1 && cli=vegeta
[ -z "$cli" ] && [ -x "$HOME/go/bin/vegeta" ] && cli="$HOME/go/bin/vegeta"
printf '%-5s %-6s %12s %12s %12s %7s %9s\n' path round vegeta-lib vegeta-cli seccheck ratio "vs cli"
for path in /ok /big; do
  ratios=(); cratios=()
  closed_spec "$path" "$WORKERS" "$DURATION" "$OUT/throughput.yaml"
  for round in $(seq "$ROUNDS"); do
    v=$("$OUT/vegeta-plain" -url "$TARGET$path" -workers "$WORKERS" -duration "$DURATION" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rps"]))')
    c="-"
    if [ -n "$cli" ]; then
      c=$(echo "GET $TARGET$path" | "$cli" attack -rate=0 -workers="$WORKERS" -max-workers="$WORKERS" -duration="$DURATION" -max-body=1048576 -redirects=-1 \
        | "$cli" report -type=json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(round(r["requests"]/(r["duration"]/1e9)))')
    fi
    "$OUT/seccheck" run "$OUT/throughput.yaml" --no-progress --out json="$OUT/throughput.json" >/dev/null || true
    s=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(round(r["totals"]["rps"]))' "$OUT/throughput.json")
    r=$(python3 -c "print(f'{$s/$v:.2f}')")
    ratios+=("$r")
    rc="-"
    if [ "$c" != "-" ]; then rc=$(python3 -c "print(f'{$s/$c:.2f}')"); cratios+=("$rc"); fi
    printf '%-5s %-6s %12s %12s %12s %7s %9s\n' "$path" "$round" "$v" "$c" "$s" "$r" "$rc"
  done
  printf '%-5s median ratio seccheck/vegeta-lib: %s' "$path" "$(printf '%s\n' "${ratios[@]}" | median)"
  [ ${#cratios[@]} -gt 0 ] && printf ', seccheck/vegeta-cli: %s' "$(printf '%s\n' "${cratios[@]}" | median)"
  printf '\n'
done
