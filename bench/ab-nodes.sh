#!/usr/bin/env bash
# A/B of two node builds on this machine: both nodes pinned to CPU 0 (one under load at a time),
# an nginx origin and wrk on CPU 1, rounds alternating A B A B ... so that drift hits both alike.
# Prints, per path, each build's CPU per request (user+system of the node process) and the ratio
# B/A per round with its median. Far less noisy than comparing two peers.sh runs.
#
#   bench/ab-nodes.sh OLD.jar NEW.jar            # ROUNDS=6 DURATION=10 WARMUP=45 CONNS=64
#   (both jars from after the control plane's port went TLS: nodes are started with --ca-file)
#   A_ARGS="--access-log off" B_ARGS="--access-log /tmp/x.log" bench/ab-nodes.sh NEW.jar NEW.jar
#                                  # one build, two settings (extra node flags for A and for B)
#   B_SETUP='cli policy create ips --allow 127.0.0.0/8' B_ROUTE_ARGS="--policy ips" \
#     bench/ab-nodes.sh NEW.jar NEW.jar
#                                  # one build, two routes: B's requests (Host: b.bench) go to a
#                                  # route "b" created with B_ROUTE_ARGS after running B_SETUP
set -euo pipefail

jar_a=${1:?usage: ab-nodes.sh A.jar B.jar}
jar_b=${2:?usage: ab-nodes.sh A.jar B.jar}
rounds=${ROUNDS:-6}
duration=${DURATION:-10}
warmup=${WARMUP:-45}
conns=${CONNS:-64}
paths=${PATHS:-"/small /large"}
node_java_opts=${NODE_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx1g -XX:+ExitOnOutOfMemoryError}
for tool in nginx wrk curl taskset; do
  command -v "$tool" >/dev/null || { echo "ab-nodes.sh: $tool is missing" >&2; exit 2; }
done

work=$(mktemp -d /tmp/concierge-ab.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/www" "$work/logs"
head -c 1024 /dev/zero | tr '\0' 's' >"$work/www/small"
head -c 102400 /dev/zero | tr '\0' 'l' >"$work/www/large"
# nginx's workers run as an unprivileged user: the files must be readable to them.
chmod 755 "$work" "$work/www"
chmod 644 "$work/www/small" "$work/www/large"
cat >"$work/origin.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/logs/origin.pid;
error_log $work/logs/origin.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/logs/body;
  proxy_temp_path $work/logs/proxy;
  fastcgi_temp_path $work/logs/fastcgi;
  uwsgi_temp_path $work/logs/uwsgi;
  scgi_temp_path $work/logs/scgi;
  server {
    listen 127.0.0.1:18081;
    root $work/www;
    default_type application/octet-stream;
    sendfile on;
    etag off;
  }
}
CONF
taskset -c 1 nginx -p "$work" -e "$work/logs/origin.error.log" -c "$work/origin.conf" &
pids+=($!)

taskset -c 1 java -jar "$jar_b" control-plane --data-dir "$work/cp" --bind 127.0.0.1 \
  --grpc-port 17170 >"$work/cp.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do [ -s "$work/cp/admin.token" ] && break; sleep 0.1; done
cli() {
  CONCIERGE_CONFIG="$work/cli-config" java -jar "$jar_b" --server 127.0.0.1:17170 \
    --ca-file "$work/cp/ca.crt" --token "$(cat "$work/cp/admin.token")" "$@"
}
for _ in $(seq 1 100); do cli node list >/dev/null 2>&1 && break; sleep 0.2; done
# Nodes join with a join token (the secret is the last line `node token create` prints).
join_token=$(cli node token create --ttl 1h | tail -n 1)

start_node() { # $1 jar, $2 http port, $3 admin port, $4 id, $5 https port, $6 extra flags
  # shellcheck disable=SC2086
  taskset -c 0 java $node_java_opts -jar "$1" data-plane --control-plane 127.0.0.1:17170 \
    --join-token "$join_token" --ca-file "$work/cp/ca.crt" --node-id "$4" \
    --bind 127.0.0.1 --http-port "$2" --https-port "$5" --admin-port "$3" $6 >"$work/$4.log" 2>&1 &
  pids+=($!)
}
# Not in a command substitution: a subshell would lose the pid for the cleanup.
start_node "$jar_a" 18180 19911 node-a 18543 "${A_ARGS:-}"
pid_a=$!
start_node "$jar_b" 18181 19912 node-b 18544 "${B_ARGS:-}"
pid_b=$!
cli cluster create origin --endpoint 127.0.0.1:18081 >&2
cli route create all --path-prefix / --cluster origin >&2
b_host=()
if [ -n "${B_ROUTE_ARGS:-}${B_SETUP:-}" ]; then
  eval "${B_SETUP:-}" >&2
  # shellcheck disable=SC2086
  cli route create b --host b.bench --path-prefix / --cluster origin ${B_ROUTE_ARGS:-} >&2
  b_host=(-H "Host: b.bench")
fi
for port in 18180 18181; do
  host=()
  [ "$port" = 18181 ] && host=("${b_host[@]}")
  for _ in $(seq 1 100); do curl -fs "${host[@]}" -o /dev/null "http://127.0.0.1:$port/small" && break; sleep 0.2; done
  for path in $paths; do
    size=$(curl -fs "${host[@]}" -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$path") || {
      echo "ab-nodes.sh: :$port$path does not answer 200" >&2; exit 1; }
    echo "node :$port$path answers 200 with $size bytes" >&2
  done
done

ticks() { # user+system clock ticks of a process and all its threads
  awk '{print $14 + $15}' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)
load() { # $1 port, $2 path, $3 seconds: prints requests; fails on any non-2xx answer or error
  local out
  local host=()
  [ "$1" = 18181 ] && host=("${b_host[@]}")
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${3}s" "${host[@]}" "http://127.0.0.1:$1$2")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "ab-nodes.sh: errors under load on :$1$2:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/requests in/ {print $1}' <<<"$out"
}
measure() { # $1 pid, $2 port, $3 path: prints "µs/req req/s"
  local before after requests
  before=$(ticks "$1")
  requests=$(load "$2" "$3" "$duration")
  after=$(ticks "$1")
  awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" -v d="$duration" \
    'BEGIN {printf "%.1f %.0f\n", t / hz * 1e6 / n, n / d}'
}

for path in $paths; do
  echo "warm-up $path: ${warmup} s each" >&2
  load 18180 "$path" "$warmup" >/dev/null
  load 18181 "$path" "$warmup" >/dev/null
  ratios=()
  echo "| $path round | A µs/req | B µs/req | B/A | A req/s | B req/s |"
  echo "|---|---:|---:|---:|---:|---:|"
  for round in $(seq 1 "$rounds"); do
    read -r a_us a_rps < <(measure "$pid_a" 18180 "$path")
    read -r b_us b_rps < <(measure "$pid_b" 18181 "$path")
    ratio=$(awk -v a="$a_us" -v b="$b_us" 'BEGIN {printf "%.3f", b / a}')
    ratios+=("$ratio")
    echo "| $round | $a_us | $b_us | $ratio | $a_rps | $b_rps |"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}')
  echo
  echo "$path: median B/A CPU per request $median"
  echo
done
