#!/bin/bash
# Prepares this machine for running the charm without Juju and for the tests: installs the
# Debian packages they use, starts a Docker engine when none answers, and builds the registry
# image offline when the tag is missing. Safe to run again: it only does what is missing.
#
# usage: scripts/ensure-env.sh [unit|tests]     (as root; default: tests)
#   unit   what scripts/local-unit needs: the engine, the image and what builds it
#   tests  that, plus the clients and real peers the tests talk to (skopeo, openssl, easy-rsa,
#          haproxy, check_http, Swift, Keystone, memcached, redis, prometheus: promtool and a
#          real Prometheus for the cos-agent tests, ...)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
image=${REGISTRY_IMAGE:-registry:2}
scope=${1:-tests}
# docker-registry and jq build the image (build-registry-image.sh); docker.io brings iptables;
# curl is the steady HTTPS hooks' probe, as on every Ubuntu unit.
packages=(docker.io docker-registry jq ca-certificates curl)
case "$scope" in
  unit) ;;
  tests)
    packages+=(skopeo iptables time openssl easy-rsa iproute2 haproxy monitoring-plugins-basic
               swift swift-proxy swift-account swift-container swift-object memcached redis-server
               python3-keystone python3-keystonemiddleware prometheus) ;;
  *) echo "usage: scripts/ensure-env.sh [unit|tests]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-env: installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

docker_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# A daemon killed without a clean shutdown leaves pid files behind; when the pid is gone, reused
# by another program or a zombie (nothing reaps it in some sandboxes), dockerd refuses to start.
clear_stale_pid() {  # file expected-command
  [ -f "$1" ] || return 0
  local pid comm state
  pid=$(cat "$1" 2>/dev/null || true)
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  if [ "$comm" != "$2" ] || [ "$state" = Z ]; then
    echo "ensure-env: removing stale $1"
    rm -f "$1"
  fi
}

if ! docker_answers; then
  clear_stale_pid /var/run/docker.pid dockerd
  clear_stale_pid /var/run/docker/containerd/containerd.pid containerd
  echo "ensure-env: starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd >>/var/log/dockerd.log 2>&1 </dev/null &
  deadline=$((SECONDS + 60))
  until docker_answers; do
    [ $SECONDS -lt $deadline ] || { echo "ensure-env: dockerd did not answer within 60 s" >&2; tail -20 /var/log/dockerd.log >&2; exit 1; }
    sleep 0.2
  done
fi

if ! docker image inspect "$image" >/dev/null 2>&1; then
  "$here/build-registry-image.sh" "$image"
fi
echo "ensure-env: docker $(docker version --format '{{.Server.Version}}'), image $image present"
