#!/usr/bin/env bash
# The whole test suite, set-up included: installs what the tests need when it is missing (nginx
# for the real-server conformance test, Chromium for the HTML report test), then go vet, gofmt,
# staticcheck, go test -race ./..., and every fuzz target for FUZZTIME (default 30s; FUZZTIME=0 skips fuzzing).
# Runs on a fresh Debian machine with Go; .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-30s}

need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]} (apt)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian starts nginx's own service on install; the tests start their own nginx with their own
# config on a free port and do not need (or touch) that one.

echo "== go vet"
go vet ./...

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test -race ./..."
go test -race -count=1 -timeout 20m ./...

if [ "$FUZZTIME" != "0" ]; then
  for pkg in $(go list ./...); do
    for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
      echo "== fuzz $pkg $target ($FUZZTIME)"
      go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 2s
    done
  done
fi
echo "== all tests passed"
