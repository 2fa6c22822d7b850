#!/usr/bin/env bash
# Streams 200 MiB through a node limited to a 32 MiB heap (a --request-body stream route) to a
# sink that hashes it; prints both checksums and the node's heap before and after. Needs python3,
# curl and jcmd. Uses cli/target/concierge.jar (build it first).
set -euo pipefail
jar=$(cd "$(dirname "$0")/.." && pwd)/cli/target/concierge.jar
work=$(mktemp -d /tmp/heapcheck.XXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/sink.py" <<'PY'
import hashlib, http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0")); h = hashlib.sha256(); left = n
        while left > 0:
            b = self.rfile.read(min(65536, left)); h.update(b); left -= len(b)
        body = (h.hexdigest() + " " + str(n) + "\n").encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", 17981), H).serve_forever()
PY
python3 "$work/sink.py" & pids+=($!)
java -jar $jar control-plane --data-dir "$work/cp" --bind 127.0.0.1 --grpc-port 17971 > "$work/cp.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do [ -s "$work/cp/admin.token" ] && break; sleep 0.1; done
cli() { CONCIERGE_CONFIG="$work/cfg" java -jar $jar --server 127.0.0.1:17971 --ca-file "$work/cp/ca.crt" --token "$(cat $work/cp/admin.token)" "$@"; }
for _ in $(seq 1 100); do cli node list >/dev/null 2>&1 && break; sleep 0.2; done
join_token=$(cli node token create --ttl 1h | tail -n 1)
java -Xmx32m -XX:+UseSerialGC -jar $jar data-plane --control-plane 127.0.0.1:17971 --join-token "$join_token" \
  --ca-file "$work/cp/ca.crt" --bind 127.0.0.1 --http-port 17980 --https-port 17943 --admin-port 17991 > "$work/node.log" 2>&1 & node=$!; pids+=($node)
cli cluster create sink --endpoint 127.0.0.1:17981
cli route create up --path-prefix /up --cluster sink --request-body stream
for _ in $(seq 1 100); do curl -s 127.0.0.1:17991/config | grep -q routes/up && break; sleep 0.2; done
head -c 209715200 /dev/urandom > "$work/big"
echo "client: $(sha256sum < $work/big | cut -c1-64) 209715200"
jcmd $node GC.heap_info | grep -E "def new|tenured" 
echo "node: $(curl -s -T "$work/big" -X POST -H 'Content-Type: application/octet-stream' 127.0.0.1:17980/up/x)"
jcmd $node GC.heap_info | grep -E "def new|tenured"
echo "node RSS: $(ps -o rss= -p $node | awk '{printf "%d MiB", $1/1024}')"
