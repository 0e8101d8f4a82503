#!/usr/bin/env bash
# A local simulation of a sharded run (issue 8): N `seccheck run --shard i/N` processes started
# together with a common --start-at against one local nginx, merged with `seccheck merge`, then
# one process running the same spec (the same total rate). Prints the requests, findings and
# verdict of each, the ratio of the requests (bar: within 1%), and shows that merging the parts
# of two different specs is refused (exit 2).
#   bench/sharded.sh [N=3] [RATE=3000] [DURATION=10s]
# The spec: an open phase of DURATION at RATE/s (over all shards), then a closed phase of 30 in
# flight bounded by max_requests = RATE × 10. Endpoint "nocache" requires Cache-Control:
# no-store, which the bench nginx does not send: a finding on every one of its responses, so
# both runs fail, deterministically, for the same reason.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${1:-3}; RATE=${2:-3000}; DURATION=${3:-10s}
[ "$N" -ge 2 ] || { echo "N must be >= 2" >&2; exit 2; }
build
start_nginx
WORK=$OUT/sharded
rm -rf "$WORK" && mkdir -p "$WORK"

spec() { # spec NAME RATE PATH
  cat > "$3" <<YAML
version: 1
name: $1
target: {url: "$TARGET"}
endpoints:
  - {name: ok, path: /ok, weight: 3, expect: {status: [200]}}
  - name: nocache
    path: /ok?nocache=1
    expect: {status: [200]}
    checks: {headers: {require: {Cache-Control: {contains: no-store}}}}
load:
  phases:
    - {duration: $DURATION, rate: $2}
    - {duration: 60s, concurrency: 30, max_requests: $(( RATE * 10 ))}
checks: {preset: recommended}
thresholds:
  rate_5xx: "<= 0.1%"
  rate_errors: "<= 0.1%"
YAML
}
spec sharded "$RATE" "$WORK/spec.yaml"

# N shards, started together; all begin their phases at the same instant, 2 s from now.
START_AT=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
echo "\$ $N x seccheck run spec.yaml --shard i/$N --start-at $START_AT --seed 7 --out partial=part-i.bin"
pids=()
for i in $(seq 0 $((N - 1))); do
  "$OUT/seccheck" run "$WORK/spec.yaml" --shard "$i/$N" --start-at "$START_AT" --seed 7 --no-progress \
    --out partial="$WORK/part-$i.bin" >"$WORK/shard-$i.txt" 2>&1 &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  rc=0; wait "${pids[$i]}" || rc=$?
  # A shard judges only its slice; 0 and 1 both mean it ran and wrote its partial.
  if [ "$rc" -gt 1 ]; then echo "shard $i exited $rc:" >&2; cat "$WORK/shard-$i.txt" >&2; exit 1; fi
done
parts=()
for i in $(seq 0 $((N - 1))); do parts+=("$WORK/part-$i.bin"); done
merge_rc=0
"$OUT/seccheck" merge "${parts[@]}" --out json="$WORK/merged.json" >"$WORK/merge.txt" 2>&1 || merge_rc=$?
[ "$merge_rc" -le 1 ] || { cat "$WORK/merge.txt" >&2; exit 1; }

echo "\$ seccheck run spec.yaml --seed 7 (one process, the same total rate)"
single_rc=0
"$OUT/seccheck" run "$WORK/spec.yaml" --seed 7 --no-progress --out json="$WORK/single.json" >"$WORK/single.txt" 2>&1 || single_rc=$?
[ "$single_rc" -le 1 ] || { cat "$WORK/single.txt" >&2; exit 1; }

cmp_rc=0
python3 - "$WORK/merged.json" "$merge_rc" "$WORK/single.json" "$single_rc" "$N" <<'PY' || cmp_rc=$?
import json, sys
m, mrc, s, src, n = json.load(open(sys.argv[1])), sys.argv[2], json.load(open(sys.argv[3])), sys.argv[4], sys.argv[5]
def row(label, r, rc):
    ph = r.get("phases", [])
    open_ = " + ".join(f'{p["sent"]}/{p["requested"]}' for p in ph if p["model"] == "open")
    closed = " + ".join(str(p["sent"]) for p in ph if p["model"] == "closed")
    lag = any(p.get("lagging") for p in ph)
    print(f'{label:<18} requests {r["totals"]["requests"]:>7}  open sent/requested {open_:>13}  closed {closed:>6}'
          f'  {r["totals"]["rps"]:>7.0f} req/s  p99 {r["totals"]["latency_ms"]["p99"]:.1f} ms'
          f'  findings {len(r["findings"]):>2}  verdict {r["verdict"]} (exit {rc})'
          f'{"  partial: " + r.get("partial_reason", "") if r["partial"] else ""}{"  LAGGING" if lag else ""}')
def keys(r):
    return sorted(f'{f["rule"]} {f["endpoint"]} {f.get("header") or f.get("kind") or ""}'.strip() for f in r["findings"])
row(f"merged {n} shards", m, mrc)
row("single process", s, src)
ratio = m["totals"]["requests"] / s["totals"]["requests"]
ok_req = abs(ratio - 1) <= 0.01
same_f = keys(m) == keys(s)
same_v = m["verdict"] == s["verdict"] and mrc == src
print(f'requests merged/single: {ratio:.4f} (bar: within 1%): {"ok" if ok_req else "FAIL"}')
print(f'same findings (rule endpoint header): {"yes" if same_f else "NO"}: {"; ".join(keys(m))}')
if not same_f:
    print("  single:", "; ".join(keys(s)))
print(f'same verdict: {"yes" if same_v else "NO"} ({m["verdict"]} / {s["verdict"]}, exit {mrc} / {src}); merged schema {m["schema"]}, shards {m.get("shards")}')
sys.exit(0 if ok_req and same_f and same_v else 1)
PY

# Parts of two different specs: the same spec at another rate, one shard of it.
spec other $(( RATE / 10 )) "$WORK/other.yaml"
"$OUT/seccheck" run "$WORK/other.yaml" --shard 1/"$N" --duration-scale 0.1 --no-progress \
  --out partial="$WORK/other-1.bin" >/dev/null 2>&1 || true
echo "\$ seccheck merge part-0.bin other-1.bin   (other-1.bin: shard 1 of a different spec)"
refuse_rc=0
"$OUT/seccheck" merge "$WORK/part-0.bin" "$WORK/other-1.bin" >/dev/null 2>"$WORK/refused.txt" || refuse_rc=$?
sed "s#$WORK/##g" "$WORK/refused.txt"
echo "exit $refuse_rc (want 2)"
[ "$refuse_rc" -eq 2 ] && [ "$cmp_rc" -eq 0 ]
