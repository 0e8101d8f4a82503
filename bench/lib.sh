# Shared by the bench scripts: build binaries, start and stop a local nginx target by PID.
# shellcheck shell=bash
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
OUT=$BENCH_DIR/out
mkdir -p "$OUT"

build() {
  (cd "$ROOT" && go build -o "$OUT/seccheck" ./cmd/seccheck && go build -o "$OUT/vegeta-plain" ./bench/vegeta-plain)
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

NGINX_PID=""
start_nginx() {
  local nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$nginx" ] || { echo "nginx is not installed (apt-get install nginx)" >&2; exit 2; }
  NGINX_DIR=$(mktemp -d)
  PORT=$(free_port)
  mkdir -p "$NGINX_DIR/www"
  python3 -c 'import sys; sys.stdout.write("{\"data\":\"" + "a" * (65536 - 12) + "\"}")' > "$NGINX_DIR/www/big.json"
  chmod -R a+rX "$NGINX_DIR"  # nginx workers run as nobody when started by root
  sed -e "s#{{dir}}#$NGINX_DIR#g" -e "s#{{port}}#$PORT#g" "$BENCH_DIR/nginx.conf.tmpl" > "$NGINX_DIR/nginx.conf"
  "$nginx" -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" &
  NGINX_PID=$!
  trap stop_nginx EXIT
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/ok" >/dev/null 2>&1 && break
    sleep 0.1
  done
  TARGET="http://127.0.0.1:$PORT"
}

stop_nginx() {
  if [ -n "$NGINX_PID" ]; then
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
  fi
  [ -n "${NGINX_DIR:-}" ] && rm -rf "$NGINX_DIR"
}

# closed_spec PATH CONCURRENCY DURATION: a spec with one endpoint, the recommended preset.
closed_spec() {
  cat > "$4" <<YAML
version: 1
name: bench
target: {url: "$TARGET", max_body: 1MiB}
endpoints:
  - {name: bench, path: "$1"}
load:
  phases:
    - {duration: $3, concurrency: $2}
checks: {preset: recommended}
YAML
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
