#!/usr/bin/env bash
# HTTPS keep-alive CPU per request: one Concierge node beside nginx, both terminating TLS with the
# same ECDSA P-256 certificate and proxying to the same origin, measured in the same run.
#
# Same layout as ../shared/bench/peers.sh: each proxy alone on CPU 0, the origin (nginx, one
# worker) and the load generator (wrk over HTTPS, 1 thread, 64 keep-alive connections) on CPU 1,
# the control plane on CPU 1 (idle under load). Targets take turns round by round, so drift hits
# both alike; only ratios to nginx from this run mean anything. Keep-alive means the figures are
# dominated by record encryption and HTTP, not by handshakes.
#
#   bench/https-peers.sh                          # WARMUP=45 s per target and path, 3 rounds of 10 s
#   WARMUP=5 DURATION=5 ROUNDS=1 bench/https-peers.sh   # a quick smoke run
#   NO_BUILD=1 bench/https-peers.sh               # use cli/target/concierge.jar as it is
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/cli/target/concierge.jar
if [ -z "${NO_BUILD:-}" ] || [ ! -f "$jar" ]; then
  echo "building $jar" >&2
  (cd "$root" && mvn -B -q -ntp -DskipTests -pl cli -am package) >&2
fi

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-45}
PATHS=${PATHS:-"/small /large"}
origin_port=${ORIGIN_PORT:-18081}
nginx_port=${NGINX_TLS_PORT:-18444}
cp_port=${CP_PORT:-17170}
http_port=${HTTP_PORT:-18180}
https_port=${HTTPS_PORT:-18543}
admin_port=${ADMIN_PORT:-19911}
node_java_opts=${NODE_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx1g -XX:+ExitOnOutOfMemoryError}
host=bench.example.test

missing=()
for tool in nginx wrk curl openssl python3 taskset; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]/taskset/util-linux}" >/dev/null
fi

work=$(mktemp -d /tmp/concierge-https-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
taskset -pc 1 $$ >/dev/null

# --- one certificate for both proxies ---------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 \
  -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# --- origin (CPU 1) and nginx terminating TLS (CPU 0) -----------------------------------------
mkdir -p "$work/www" "$work/logs"
chmod 755 "$work" "$work/www"
head -c 1024 /dev/zero | tr '\0' 's' >"$work/www/small"
head -c 102400 /dev/zero | tr '\0' 'l' >"$work/www/large"
chmod 644 "$work"/www/*

nginx_conf() { # $1 name, $2 server block
  cat <<CONF
daemon off;
worker_processes 1;
pid $work/logs/$1.pid;
error_log $work/logs/$1.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  client_body_temp_path $work/logs/$1.body;
  proxy_temp_path $work/logs/$1.proxy;
  fastcgi_temp_path $work/logs/$1.fastcgi;
  uwsgi_temp_path $work/logs/$1.uwsgi;
  scgi_temp_path $work/logs/$1.scgi;
$2
}
CONF
}
nginx_conf origin "
  server {
    listen 127.0.0.1:$origin_port;
    root $work/www;
    default_type application/octet-stream;
    sendfile on;
    open_file_cache max=16 inactive=1h;
    etag off;
  }" >"$work/origin.conf"
# TLS 1.2/1.3 with a session cache, as any production config has. The server's TLS 1.3 order
# puts AES-128-GCM first, as the node's profile does, so both run the same cipher (otherwise
# OpenSSL follows wrk's preference, AES-256-GCM, and the comparison is not like for like).
nginx_conf proxy "
  upstream origin {
    server 127.0.0.1:$origin_port;
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$nginx_port ssl;
    server_name $host;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    ssl_prefer_server_ciphers on;
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_buffer_size 16k;
      proxy_buffers 32 16k;
      proxy_max_temp_file_size 0;
    }
  }" >"$work/nginx.conf"

taskset -c 1 nginx -p "$work" -e "$work/logs/origin.error.log" -c "$work/origin.conf" \
  >"$work/logs/origin.out" 2>&1 &
pids+=($!)
taskset -c 0 nginx -p "$work" -e "$work/logs/proxy.error.log" -c "$work/nginx.conf" \
  >"$work/logs/proxy.out" 2>&1 &
nginx_master=$!
pids+=("$nginx_master")

# --- control plane (CPU 1) and one node (CPU 0) -----------------------------------------------
# shellcheck source=lib/node.sh
. "$root/bench/lib/node.sh"
start_control_plane
start_node "$http_port" "$https_port" "$admin_port"

cli cert add bench --cert "$work/cert.pem" --key "$work/key.pem" --default >&2
cli cluster create origin --endpoint "127.0.0.1:$origin_port" >&2
cli route create all --path-prefix / --cluster origin >&2

answers() { # $1 port: 200 and 1 KiB over HTTPS with SNI
  [ "$(curl -sk -o /dev/null -w '%{http_code} %{size_download}' --resolve "$host:$1:127.0.0.1" \
    "https://$host:$1/small" 2>/dev/null)" = "200 1024" ]
}
for _ in $(seq 1 150); do answers "$https_port" && answers "$nginx_port" && break; sleep 0.2; done
answers "$https_port" || { echo "node does not answer over HTTPS:" >&2; tail -20 "$work/node.log" >&2; exit 1; }
answers "$nginx_port" || { echo "nginx does not answer over HTTPS:" >&2; cat "$work"/logs/*.log >&2; exit 1; }
nginx_worker=$(cat /proc/"$nginx_master"/task/*/children | tr ' ' '\n' | grep -m1 .)

for port in "$nginx_port" "$https_port"; do
  echo "handshake on :$port: $(echo | openssl s_client -connect "127.0.0.1:$port" -servername "$host" \
    -alpn http/1.1 2>/dev/null | grep -E '^New,' | head -1)" >&2
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
clk=$(getconf CLK_TCK)
load() { # $1 port, $2 path, $3 seconds -> wrk output
  # An IP literal sends no SNI: nginx has one server, the node serves its default certificate.
  taskset -c 1 wrk -t1 -c"$CONNS" -d"${3}s" --latency "https://127.0.0.1:$1$2" 2>&1
}

if ((WARMUP > 0)); then
  for path in $PATHS; do
    for port in "$nginx_port" "$https_port"; do load "$port" "$path" "$WARMUP" >/dev/null; done
  done
fi

results=$work/results.tsv
for round in $(seq 1 "$ROUNDS"); do
  for path in $PATHS; do
    for target in nginx node; do
      if [ "$target" = nginx ]; then port=$nginx_port pid=$nginx_worker; else port=$https_port pid=$node_pid; fi
      before=$(ticks "$pid")
      out=$(load "$port" "$path" "$DURATION")
      after=$(ticks "$pid")
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      total=$(awk '/requests in/ {print $1}' <<<"$out")
      p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
      errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$path" "$target" "$rps" "$total" \
        "$((after - before))" "$p99" >>"$results"
      echo "round $round $path $target: $rps req/s, p99 $p99 ${errors}" >&2
    done
  done
done

python3 - "$results" "$clk" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
hz = int(sys.argv[2])
by = {}
for rnd, path, target, rps, total, ticks, p99 in rows:
    by.setdefault((path, target), {})[int(rnd)] = (float(rps), int(ticks) / hz * 1e6 / int(total), p99)
print("| path | target | req/s | p99 | proxy CPU µs/req | CPU vs nginx (rounds) |")
print("|---|---|---:|---:|---:|---|")
for path in dict.fromkeys(p for p, _ in by):
    ref = by.get((path, "nginx"), {})
    for target in ("nginx", "node"):
        runs = by.get((path, target), {})
        if not runs:
            continue
        rps = statistics.median(r[0] for r in runs.values())
        cpu = statistics.median(r[1] for r in runs.values())
        ratios = [runs[k][1] / ref[k][1] for k in runs if k in ref]
        ratio = "1.00" if target == "nginx" else (
            f"**{statistics.median(ratios):.2f}** ({min(ratios):.2f}-{max(ratios):.2f})")
        p99 = "/".join(r[2] for r in runs.values())
        print(f"| {path} | {target} | {rps:,.0f} | {p99} | {cpu:.1f} | {ratio} |")
PY
echo "node: $(ps -o rss=,nlwp= -p "$node_pid" | awk '{printf "RSS %d MiB, %d threads", $1/1024, $2}')" >&2
