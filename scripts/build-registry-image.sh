#!/bin/bash
# Builds a registry:2-compatible image offline from Debian's docker-registry package and loads
# it into the local Docker engine. The build is reproducible: the same package versions give the
# same layer digest and the same image id (every file has a fixed owner and mtime, and the image
# config has a fixed creation time).
#
# usage: scripts/build-registry-image.sh [TAG]     (default: registry:2)
set -euo pipefail
tag=${1:-registry:2}
bin=/usr/bin/docker-registry
[ -x "$bin" ] || { echo "build-registry-image: $bin missing (apt-get install docker-registry)" >&2; exit 1; }
command -v jq >/dev/null || { echo "build-registry-image: jq missing" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,etc/docker/registry,etc/ssl/certs,var/lib/registry,tmp}
install -m 0755 "$bin" "$root/bin/registry"

# The Debian binary is dynamically linked: bring the loader and every library it needs, at the
# same absolute paths.
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u |
  while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    install -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
[ -f /etc/ssl/certs/ca-certificates.crt ] && install -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"

# The stock configuration of the upstream image; the charm mounts its own over it.
cat > "$root/etc/docker/registry/config.yml" <<'YAML'
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
YAML
chmod 0644 "$root/etc/docker/registry/config.yml"
chmod 1777 "$root/tmp"

tarflags=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu)
tar "${tarflags[@]}" -C "$root" -cf "$work/layer.tar" .
layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
version=$(dpkg-query -W -f='${Version}' docker-registry)
arch=$(dpkg --print-architecture)

# A hand-made `docker save` archive: config JSON, layer, manifest.
mkdir -p "$work/image/$layer"
mv "$work/layer.tar" "$work/image/$layer/layer.tar"
jq -cnS --arg layer "sha256:$layer" --arg version "$version" --arg arch "$arch" '{
  architecture: $arch, os: "linux", created: "1970-01-01T00:00:00Z",
  config: {
    Entrypoint: ["/bin/registry"], Cmd: ["serve", "/etc/docker/registry/config.yml"],
    ExposedPorts: {"5000/tcp": {}}, Volumes: {"/var/lib/registry": {}},
    Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    Labels: {"org.opencontainers.image.version": $version,
             "org.opencontainers.image.description": "distribution registry from Debian docker-registry"}},
  rootfs: {type: "layers", diff_ids: [$layer]},
  history: [{created: "1970-01-01T00:00:00Z", created_by: ("debian docker-registry " + $version)}]
}' | tr -d '\n' > "$work/config.json"
config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/image/$config.json"
jq -cn --arg c "$config.json" --arg t "$tag" --arg l "$layer/layer.tar" \
  '[{Config: $c, RepoTags: [$t], Layers: [$l]}]' > "$work/image/manifest.json"
tar "${tarflags[@]}" -C "$work/image" -cf - . | docker load -q >/dev/null
echo "built $tag id=$(docker image inspect -f '{{.Id}}' "$tag") (docker-registry $version)"
