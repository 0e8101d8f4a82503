#!/usr/bin/env bash
# Peak RSS of seccheck run for a closed-model attack of ~100,000 and ~1,000,000 requests against
# a local nginx (/ok). Invariant 2: memory is bounded by the spec, not the run, so the larger run
# may use at most 10% more. Requests are bounded by count (max_requests) and by time.
#   bench/memory.sh [WORKERS=64]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WORKERS=${1:-64}
build
start_nginx
declare -A rss
for n in 100000 1000000; do
  cat > "$OUT/memory.yaml" <<YAML
version: 1
name: memory
target: {url: "$TARGET"}
endpoints:
  - {name: ok, path: /ok}
load:
  phases:
    - {duration: 5m, concurrency: $WORKERS, max_requests: $n}
checks: {preset: recommended}
YAML
  /usr/bin/time -v "$OUT/seccheck" run "$OUT/memory.yaml" --no-progress --out json="$OUT/memory.json" >/dev/null 2>"$OUT/memory.time" || true
  kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$OUT/memory.time")
  req=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["requests"])' "$OUT/memory.json")
  rss[$n]=$kb
  printf '%8s requests asked, %8s sent: peak RSS %6.1f MiB\n' "$n" "$req" "$(python3 -c "print($kb/1024)")"
done
python3 -c "
a,b=${rss[100000]},${rss[1000000]}
print(f'ratio 1M/100k: {b/a:.3f} (bar: <= 1.10); both under 150 MiB: {max(a,b)/1024 < 150}')"
