# Sourced by the benchmark scripts: one control plane (CPU 1) and one node (CPU 0) from $jar.
# Expects: jar, work (a scratch directory), cp_port, node_java_opts, and an array pids that the
# caller's cleanup kills.

# Starts the control plane and defines cli(), the CLI as its admin.
start_control_plane() {
  taskset -c 1 java -jar "$jar" control-plane --data-dir "$work/cp" --bind 127.0.0.1 \
    --grpc-port "$cp_port" >"$work/cp.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do [ -s "$work/cp/admin.token" ] && [ -s "$work/cp/ca.crt" ] && break; sleep 0.1; done
  [ -s "$work/cp/admin.token" ] || { echo "control plane did not start:" >&2; cat "$work/cp.log" >&2; exit 1; }
  for _ in $(seq 1 100); do cli node list >/dev/null 2>&1 && break; sleep 0.2; done
}

cli() {
  CONCIERGE_CONFIG="$work/cli-config" java -jar "$jar" --server "127.0.0.1:$cp_port" \
    --ca-file "$work/cp/ca.crt" --token "$(cat "$work/cp/admin.token")" "$@"
}

# Starts node "bench-node" joined with a fresh join token; sets node_pid.
#   $1 HTTP port, $2 HTTPS port, $3 admin port; NODE_ARGS (default "--access-log off", as the
#   bench README asks) are passed to the node, e.g. NODE_ARGS="--access-log $work/access.log"
start_node() {
  # The secret is the last line `node token create` prints.
  local join_token
  join_token=$(cli node token create --ttl 1h | tail -n 1)
  # shellcheck disable=SC2086
  taskset -c 0 java $node_java_opts -jar "$jar" data-plane \
    --control-plane "127.0.0.1:$cp_port" --join-token "$join_token" \
    --ca-file "$work/cp/ca.crt" --node-id bench-node --bind 127.0.0.1 --http-port "$1" \
    --https-port "$2" --admin-port "$3" ${NODE_ARGS:---access-log off} >"$work/node.log" 2>&1 &
  node_pid=$!
  pids+=("$node_pid")
}
