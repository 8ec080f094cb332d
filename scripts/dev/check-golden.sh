#!/bin/bash
# Starts the real registry (Debian's docker-registry 2.8.2, /usr/bin/docker-registry) on every
# golden config.yml and checks it keeps running and answers. Loopback only; every process
# started here is stopped by PID on exit. Usage: scripts/dev/check-golden.sh [golden-dir]
set -u
GOLDEN=${1:-src/test/resources/golden}
TOOLS=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
P=15870   # 15870 registry, 15871 debug, 15872 upstream for the proxy cache, 18080 fake swift
# The goldens name swift.example (a loopback authurl is refused: the registry runs in a
# container); this registry runs on the host, where the fake swift listens on 127.0.0.1.
fail=0

wait_http() { # url -> 0 when it answers within ~5 s
  for _ in $(seq 50); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; return 1
}

# Upstream registry for the pull-through cache (its ping happens at start-up).
mkdir -p "$WORK/up"
printf 'version: 0.1\nhttp: {addr: 127.0.0.1:%s}\nstorage: {filesystem: {rootdirectory: %s}}\n' \
  $((P+2)) "$WORK/up" > "$WORK/up.yml"
docker-registry serve "$WORK/up.yml" > "$WORK/up.log" 2>&1 & PIDS+=($!)
/usr/bin/python3 "$TOOLS/fake-swift.py" 18080 2> "$WORK/swift.log" & PIDS+=($!)
wait_http "http://127.0.0.1:$((P+2))/v2/" || { echo "upstream did not start"; exit 1; }
wait_http "http://127.0.0.1:18080/info" || { echo "fake swift did not start"; exit 1; }

for f in "$GOLDEN"/*.yml; do
  name=$(basename "$f" .yml)
  mkdir -p "$WORK/$name"
  sed -e "s#0.0.0.0:5000#127.0.0.1:$P#" -e "s#0.0.0.0:5001#127.0.0.1:$((P+1))#" \
      -e "s#/var/lib/registry#$WORK/$name#" \
      -e "s#https://registry-1.docker.io#http://127.0.0.1:$((P+2))#" \
      -e "s#swift.example:18080#127.0.0.1:18080#" "$f" > "$WORK/$name.yml"
  # The sandbox's AWS_CA_BUNDLE would make the s3 driver fail for reasons unrelated to the config.
  env -u AWS_CA_BUNDLE docker-registry serve "$WORK/$name.yml" > "$WORK/$name.log" 2>&1 &
  pid=$!
  status=OK
  if ! wait_http "http://127.0.0.1:$P/"; then status="NOT ANSWERING"; fi
  sleep 1
  kill -0 $pid 2>/dev/null || status="EXITED"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/v2/")
  extra=""
  if grep -q 'prometheus' "$f"; then
    extra="metrics=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((P+1))/metrics")"
  fi
  if grep -q 'enabled: true' <(sed -n '/readonly:/,+1p' "$f"); then
    extra="$extra upload=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$P/v2/t/blobs/uploads/")"
  fi
  kill $pid 2>/dev/null; wait $pid 2>/dev/null
  echo "$status $name: GET /v2/ -> $code $extra"
  if [ "$status" != OK ]; then fail=1; grep -E 'panic|error|fatal' "$WORK/$name.log" | head -3; fi
  grep -h '"level":"warning"' "$WORK/$name.log" | grep -o '"msg":"[^"]*"' | sort -u | sed 's/^/    warning: /'
done
exit $fail
