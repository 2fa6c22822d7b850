#!/usr/bin/env bash
# Config propagation to a fleet: a real control plane (cli/target/concierge.jar, the JVM options
# ./concierge gives servers) and N simulated nodes in one JVM (dev.concierge.bench.FleetBench in
# benchmarks/target/benchmarks.jar): real StreamConfig streams, each on a connection of its own
# with the client certificate the simulated node got by joining with a join token, each
# doing a node's handshake (id, protocol version) and ACKing every push with revision
# and nonce. Times 20 route writes (management API answer -> last node's ACK), reads the control
# plane's live heap (jcmd GC.class_histogram, after a full GC), then kills it (-9), keeps it down
# OUTAGE seconds, starts it on the same port and data directory and times the resync. The last
# line is: fleet: N nodes, p50 X ms, p99 Y ms, control plane heap Z MiB
#
#   bench/fleet.sh --nodes 1000          # OUTAGE=10 WRITES=20 by default
#   OUTAGE=60 bench/fleet.sh --nodes 1000
#   bench/fleet.sh --real-node           # one real node: write answered -> new route served
#   NO_BUILD=1 bench/fleet.sh --nodes 100   # use the jars as they are
#   KEEP=1 bench/fleet.sh --nodes 100       # keep the work directory (control plane log)
# Needs a JDK (java, jcmd). CP_JAVA_OPTS / NODE_JAVA_OPTS replace the servers' JVM options.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cli_jar=$root/cli/target/concierge.jar
bench_jar=$root/benchmarks/target/benchmarks.jar
nodes=""
real_node=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --real-node) real_node=1; shift ;;
    *) echo "usage: bench/fleet.sh --nodes N | --real-node" >&2; exit 2 ;;
  esac
done
[ -n "$nodes" ] || [ -n "$real_node" ] || { echo "usage: bench/fleet.sh --nodes N | --real-node" >&2; exit 2; }

# Always from the working tree unless told otherwise: an older jar would measure older code.
if [ -z "${NO_BUILD:-}" ] || [ ! -f "$cli_jar" ] || [ ! -f "$bench_jar" ]; then
  echo "building $cli_jar and $bench_jar" >&2
  (cd "$root" && mvn -B -q -ntp -DskipTests -pl cli,benchmarks -am package) >&2
fi

work=$(mktemp -d /tmp/concierge-fleet.XXXXXX)
sim=""
cleanup() {
  if [ -n "$sim" ]; then kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; fi
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

args=(--jar "$cli_jar" --work "$work" --port "${CP_PORT:-17270}" --writes "${WRITES:-20}"
  --outage-seconds "${OUTAGE:-10}")
if [ -n "$real_node" ]; then args+=(--real-node); else args+=(--nodes "$nodes"); fi
# The simulator's own JVM: small stacks, the default collector; it stops the control plane (and
# the node) it started, also when killed with SIGTERM.
java -Xss512k -cp "$bench_jar" dev.concierge.bench.FleetBench "${args[@]}" &
sim=$!
if ! wait "$sim"; then
  sim=""
  echo "fleet.sh: failed; control plane log:" >&2
  tail -n 40 "$work/cp.log" >&2 || true
  exit 1
fi
sim=""
if grep -q " WARN \| ERROR " "$work/cp.log"; then
  echo "control plane warnings:" >&2
  grep " WARN \| ERROR " "$work/cp.log" | head -n 10 >&2
fi
