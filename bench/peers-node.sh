#!/usr/bin/env bash
# Runs ../shared/bench/peers.sh against one Concierge node, set up as shared/bench/README.md says:
# the node alone on CPU 0 with one route "/" to the benchmark origin on 127.0.0.1:18081, no access
# log; the control plane on CPU 1 (it is idle during the load). Prints peers.sh's markdown table.
#
#   bench/peers-node.sh                 # WARMUP=45 per target and path, as the bench README advises
#   WARMUP=5 DURATION=5 ROUNDS=1 bench/peers-node.sh   # a quick smoke run
#   NO_BUILD=1 bench/peers-node.sh      # use cli/target/concierge.jar as it is
#   CLUSTER_OPTS="--health-check http:/small --health-interval 1s" bench/peers-node.sh
#                                       # the origin cluster with more settings (here: checks)
#   SETUP='cli policy create ips --allow 127.0.0.0/8' ROUTE_OPTS="--policy ips" bench/peers-node.sh
#                                       # the route with more settings, after running SETUP
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_DIR:-$root/../shared}
peers=$shared/bench/peers.sh
[ -x "$peers" ] || { echo "peers-node.sh: $peers not found (set SHARED_DIR)" >&2; exit 2; }

jar=$root/cli/target/concierge.jar
# Always from the working tree: a jar left from an older build would measure older code.
if [ -z "${NO_BUILD:-}" ] || [ ! -f "$jar" ]; then
  echo "building $jar" >&2
  (cd "$root" && mvn -B -q -ntp -DskipTests -pl cli -am package) >&2
fi

cp_port=${CP_PORT:-17170}
http_port=${HTTP_PORT:-18180}
admin_port=${ADMIN_PORT:-19911}
node_java_opts=${NODE_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx1g -XX:+ExitOnOutOfMemoryError}

work=$(mktemp -d /tmp/concierge-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# shellcheck source=lib/node.sh
. "$root/bench/lib/node.sh"
start_control_plane
start_node "$http_port" "${HTTPS_PORT:-18543}" "$admin_port"

# shellcheck disable=SC2086
cli cluster create origin --endpoint 127.0.0.1:18081 ${CLUSTER_OPTS:-} >&2
eval "${SETUP:-}" >&2
# shellcheck disable=SC2086
cli route create all --path-prefix / --cluster origin ${ROUTE_OPTS:-} >&2

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$admin_port/ready" >/dev/null 2>&1 \
    && curl -s "http://127.0.0.1:$admin_port/config" | grep -q '"routes/all"' && break
  sleep 0.2
done

CANDIDATE_URL="http://127.0.0.1:$http_port" CANDIDATE_PID="$node_pid" WARMUP="${WARMUP:-45}" "$peers"
echo "node: $(ps -o rss=,nlwp= -p "$node_pid" | awk '{printf "RSS %d MiB, %d threads", $1/1024, $2}')" >&2
