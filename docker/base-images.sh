#!/usr/bin/env bash
# Air-gapped base images: builds local stand-ins for the public images that docker/Dockerfile
# and docker/compose.yml name, from Debian packages, under the same names, so the image builds
# and the stack runs on a machine that reaches a Debian mirror (or a mirror of one) and the npm
# registry but no image registry.
#
#   docker/base-images.sh                   build the stand-ins that are missing
#   docker/base-images.sh --force           rebuild all of them (the root file system too)
#   docker/base-images.sh --force redis:7   rebuild the ones named
#
# Needs: docker (with BuildKit or the classic builder), debootstrap, run as root (debootstrap).
# One `debootstrap --variant=minbase bookworm` root file system is made once and cached in
# docker/.cache/ (git-ignored); every stand-in starts from it. Each image trusts what this
# machine trusts: /etc/ssl/certs/ca-certificates.crt is copied in, and NODE_EXTRA_CA_CERTS
# points at it, so apt and npm inside builds pass a TLS-inspecting proxy the host trusts.
#
# What each stand-in keeps of its official image (only what Tessera relies on):
#   debian:bookworm-slim       a minimal Debian 12 with apt (docker/pgbouncer/Dockerfile's base)
#   node:20.20-bookworm-slim   node 20 + npm, user `node` (uid 1000), CMD node, and node's C/C++
#                              headers with npm_config_nodedir pointing at them: node-gyp
#                              (argon2 compiles from source) then downloads no headers
#   postgres:15                POSTGRES_USER/PASSWORD/DB first-time init, `postgres -c …`,
#                              pg_isready, psql, PGDATA=/var/lib/postgresql/data, PostgreSQL 15
#   redis:7                    redis-server / redis-cli (7.0), /data, protected mode off
#   nginx:1.28                 nginx in the foreground on /etc/nginx/nginx.conf, user `nginx`,
#                              logs to stdout/stderr. Debian bookworm's nginx is 1.22: enough
#                              for docker/nginx.conf, which needs no newer directive.
set -euo pipefail

DOCKER="${DOCKER:-docker}"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="$HERE/.cache"
ROOTFS_TAR="$CACHE/$SUITE-minbase.tar"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
NODE_BIN="${NODE_BIN:-$(command -v node)}"
NPM_DIR="${NPM_DIR:-/usr/lib/node_modules/npm}"
NODE_HEADERS="${NODE_HEADERS:-/usr/include/node}"

FORCE=false
ONLY=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=true ;;
    debian:bookworm-slim | node:20.20-bookworm-slim | postgres:15 | redis:7 | nginx:1.28) ONLY+=("$arg") ;;
    -h | --help)
      sed -n '2,25p' "$0"
      exit 0
      ;;
    *)
      echo "base-images.sh: unknown argument $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

say() { printf 'base-images: %s\n' "$*"; }
exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
wanted() {
  if [ "${#ONLY[@]}" -gt 0 ] && [[ " ${ONLY[*]} " != *" $1 "* ]]; then
    return 1
  fi
  if exists "$1" && [ "$FORCE" = false ]; then
    say "$1 exists (--force rebuilds it)"
    return 1
  fi
  say "building $1"
}

[ -r "$CA_BUNDLE" ] || {
  echo "base-images.sh: no CA bundle at $CA_BUNDLE (set CA_BUNDLE)" >&2
  exit 1
}
mkdir -p "$CACHE"

# Every build below reads its base from the local image store only: no registry is asked.
export DOCKER_BUILDKIT="${DOCKER_BUILDKIT:-1}"
build() { # build NAME CONTEXT (Dockerfile on stdin)
  "$DOCKER" build --pull=false -t "$1" -f - "$2"
}

# --- the root file system, once ------------------------------------------------------------
if [ ! -s "$ROOTFS_TAR" ] || { [ "$FORCE" = true ] && [ "${#ONLY[@]}" -eq 0 ]; }; then
  command -v debootstrap >/dev/null || {
    echo 'base-images.sh: debootstrap is missing (apt-get install debootstrap)' >&2
    exit 1
  }
  say "debootstrap --variant=minbase $SUITE (once; cached in $ROOTFS_TAR)"
  root="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || {
    echo "base-images.sh: debootstrap failed, see $CACHE/debootstrap.log" >&2
    exit 1
  }
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} $SUITE-security main
SOURCES
  # Slim like the official images: no documentation, no apt caches.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
SLIM
  echo 'APT::Install-Recommends "false";' >"$root/etc/apt/apt.conf.d/docker-no-recommends"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/*
  tar --numeric-owner -C "$root" -cf "$ROOTFS_TAR.part" .
  mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
  rm -rf "$root"
  trap - EXIT
fi

# --- debian:bookworm-slim: the root file system and the host's CA bundle ----------------------
if wanted debian:bookworm-slim; then
  ctx="$(mktemp -d "$CACHE/ctx.XXXXXX")"
  cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"
  # No package caches left in any layer built on it, like the official Debian images (~80 MB).
  cat >"$ctx/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
  # The bundle is added on top of the imported file system in a second step (import cannot add files).
  "$DOCKER" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["bash"]' \
    "$ROOTFS_TAR" tessera-base/debian-rootfs:local >/dev/null
  build debian:bookworm-slim "$ctx" <<'DOCKERFILE'
FROM tessera-base/debian-rootfs:local
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY docker-clean /etc/apt/apt.conf.d/docker-clean
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["bash"]
DOCKERFILE
  rm -rf "$ctx"
fi

# apt-get inside a build: the CA bundle must survive ca-certificates' own postinst (which
# rewrites ca-certificates.crt from the Mozilla set): it is put back after each install.
APT_INSTALL='apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends'
APT_CLEAN='cp /usr/local/share/host-ca.crt /etc/ssl/certs/ca-certificates.crt && rm -rf /var/lib/apt/lists/*'

# --- node:20.20-bookworm-slim: this machine's node 20 (Debian bookworm glibc) and its npm ------
if wanted node:20.20-bookworm-slim; then
  version="$("$NODE_BIN" -v)"
  case "$version" in
    v20.*) ;;
    *)
      echo "base-images.sh: $NODE_BIN is $version, node 20 is needed (set NODE_BIN)" >&2
      exit 1
      ;;
  esac
  ctx="$(mktemp -d "$CACHE/ctx.XXXXXX")"
  cp "$NODE_BIN" "$ctx/node"
  cp -a "$NPM_DIR" "$ctx/npm"
  [ -r "$NODE_HEADERS/common.gypi" ] || {
    echo "base-images.sh: no node headers at $NODE_HEADERS (set NODE_HEADERS)" >&2
    exit 1
  }
  cp -a "$NODE_HEADERS" "$ctx/include-node"
  cp "$CA_BUNDLE" "$ctx/host-ca.crt"
  build node:20.20-bookworm-slim "$ctx" <<DOCKERFILE
FROM debian:bookworm-slim
COPY host-ca.crt /usr/local/share/host-ca.crt
RUN $APT_INSTALL ca-certificates libstdc++6 && $APT_CLEAN \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY include-node /usr/local/include/node
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node -v && npm -v
ENV NODE_VERSION=${version#v} \\
    npm_config_nodedir=/usr/local
CMD ["node"]
DOCKERFILE
  rm -rf "$ctx"
fi

# --- postgres:15 ---------------------------------------------------------------------------
if wanted postgres:15; then
  ctx="$(mktemp -d "$CACHE/ctx.XXXXXX")"
  cp "$HERE/base-images/postgres-entrypoint.sh" "$ctx/docker-entrypoint.sh"
  cp "$CA_BUNDLE" "$ctx/host-ca.crt"
  build postgres:15 "$ctx" <<DOCKERFILE
FROM debian:bookworm-slim
COPY host-ca.crt /usr/local/share/host-ca.crt
# No cluster from the package: the entry point makes one in PGDATA on the first start.
RUN mkdir -p /etc/postgresql-common \\
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \\
 && $APT_INSTALL postgresql-15 && $APT_CLEAN \\
 && mkdir -p /docker-entrypoint-initdb.d /var/lib/postgresql/data \\
 && chown -R postgres:postgres /var/lib/postgresql
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
DOCKERFILE
  rm -rf "$ctx"
fi

# --- redis:7 -------------------------------------------------------------------------------
if wanted redis:7; then
  ctx="$(mktemp -d "$CACHE/ctx.XXXXXX")"
  cp "$HERE/base-images/redis-entrypoint.sh" "$ctx/docker-entrypoint.sh"
  cp "$CA_BUNDLE" "$ctx/host-ca.crt"
  build redis:7 "$ctx" <<DOCKERFILE
FROM debian:bookworm-slim
COPY host-ca.crt /usr/local/share/host-ca.crt
RUN $APT_INSTALL redis-server && $APT_CLEAN \\
 && mkdir -p /data && chown redis:redis /data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
VOLUME /data
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
DOCKERFILE
  rm -rf "$ctx"
fi

# --- nginx:1.28 (Debian's 1.22) ------------------------------------------------------------
if wanted nginx:1.28; then
  ctx="$(mktemp -d "$CACHE/ctx.XXXXXX")"
  cp "$CA_BUNDLE" "$ctx/host-ca.crt"
  build nginx:1.28 "$ctx" <<DOCKERFILE
FROM debian:bookworm-slim
COPY host-ca.crt /usr/local/share/host-ca.crt
RUN $APT_INSTALL nginx && $APT_CLEAN \\
 && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin nginx \\
 && rm -f /etc/nginx/sites-enabled/default \\
 && ln -sf /dev/stdout /var/log/nginx/access.log \\
 && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
DOCKERFILE
  rm -rf "$ctx"
fi

"$DOCKER" image rm tessera-base/debian-rootfs:local >/dev/null 2>&1 || true
say 'done:'
for name in debian:bookworm-slim node:20.20-bookworm-slim postgres:15 redis:7 nginx:1.28; do
  printf '  %-26s %s MB\n' "$name" "$(("$("$DOCKER" image inspect -f '{{.Size}}' "$name")" / 1000000))"
done
