#!/usr/bin/env bash
# Brings up a Docker engine for the container tests (test/container/) on a Debian CI machine (bookworm here)
# with no container registry reachable. Idempotent: every step checks before it acts, so re-running is cheap.
#
#   1. installs Debian's docker.io (engine + containerd + runc) and debootstrap, if missing
#   2. starts dockerd in the background if no engine answers (log: $DOCKERD_LOG, pid: $DOCKERD_PIDFILE)
#   3. builds the base image $BASE_IMAGE_TAG from a debootstrapped trixie minbase (no registry needed);
#      trixie (Debian 13, glibc 2.41) because bb 4.1.2, which proves Aztec 4.1.2's circuits, needs glibc >= 2.39
#
# Why Debian's client: /usr/local/bin/docker (CLI 28, no buildx plugin) can only use the deprecated legacy
# builder, which runs every stage of containers/prover/Dockerfile (including the aztec CRS download, which needs
# internet). Debian's /usr/bin/docker (20.10) drives the engine's built-in BuildKit (DOCKER_BUILDKIT=1), which
# builds only the stages the target needs. Tests use $DOCKER_CLI, default /usr/bin/docker when present.
#
# Usage: .ci/docker-setup.sh            (as root)
# Env:   DOCKERD_LOG, DOCKERD_PIDFILE, BASE_IMAGE_TAG, DEBIAN_MIRROR (default: the mirror apt already uses)
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd-ci.log}"
DOCKERD_PIDFILE="${DOCKERD_PIDFILE:-/run/dockerd-ci.pid}"
BASE_IMAGE_TAG="${BASE_IMAGE_TAG:-aztec-aws-prover/base:trixie}"
SUITE=trixie

if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

t0=$(date +%s)
step_start=$t0
step() { # prints how long the previous step took
  local now; now=$(date +%s)
  echo "[docker-setup] $1 ($((now - step_start)) s)"
  step_start=$now
}

if [ "$(id -u)" != 0 ]; then
  echo "[docker-setup] must run as root (installs packages, starts dockerd)" >&2
  exit 1
fi

# 1. packages ---------------------------------------------------------------------------------------------
missing=()
for pkg in docker.io debootstrap; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[docker-setup] installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  step "installed ${missing[*]}"
else
  step "packages already installed"
fi
# docker.io may have just been installed: prefer its client (see above)
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; fi

# 2. engine -----------------------------------------------------------------------------------------------
if "$DOCKER" info >/dev/null 2>&1; then
  step "engine already running"
else
  echo "[docker-setup] starting dockerd (log: $DOCKERD_LOG)"
  # setsid: the engine must outlive this script and the CI step that ran it
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  echo $! >"$DOCKERD_PIDFILE"
  for _ in $(seq 1 60); do
    if "$DOCKER" info >/dev/null 2>&1; then break; fi
    if ! kill -0 "$(cat "$DOCKERD_PIDFILE")" 2>/dev/null; then
      echo "[docker-setup] dockerd exited during startup; last log lines:" >&2
      tail -n 30 "$DOCKERD_LOG" >&2
      exit 1
    fi
    sleep 1
  done
  if ! "$DOCKER" info >/dev/null 2>&1; then
    echo "[docker-setup] dockerd did not answer within 60 s; last log lines:" >&2
    tail -n 30 "$DOCKERD_LOG" >&2
    exit 1
  fi
  step "dockerd started, pid $(cat "$DOCKERD_PIDFILE")"
fi

# 3. base image -------------------------------------------------------------------------------------------
if "$DOCKER" image inspect "$BASE_IMAGE_TAG" >/dev/null 2>&1; then
  step "base image $BASE_IMAGE_TAG already present"
else
  mirror="${DEBIAN_MIRROR:-}"
  if [ -z "$mirror" ]; then
    # the first main-archive URI apt is configured with (deb822 .sources or one-line .list)
    mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
  fi
  if [ -z "$mirror" ]; then
    mirror=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
      awk '$3 ~ /^(bookworm|trixie)$/ {print $2}' | head -n1 || true)
  fi
  mirror="${mirror:-http://deb.debian.org/debian}"
  rootfs=$(mktemp -d /var/tmp/debootstrap-XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  echo "[docker-setup] debootstrap --variant=minbase $SUITE from $mirror"
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >/var/log/debootstrap-ci.log 2>&1 || {
    echo "[docker-setup] debootstrap failed; last log lines:" >&2
    tail -n 30 /var/log/debootstrap-ci.log >&2
    exit 1
  }
  # An image needs no apt lists or package caches; dropping them keeps the base small.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  step "debootstrapped $SUITE"
  tar -C "$rootfs" -c . | "$DOCKER" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$BASE_IMAGE_TAG" >/dev/null
  step "imported $BASE_IMAGE_TAG ($("$DOCKER" image inspect -f '{{.Size}}' "$BASE_IMAGE_TAG") bytes)"
fi

echo "[docker-setup] ready in $(($(date +%s) - t0)) s: client $DOCKER, engine $("$DOCKER" version -f '{{.Server.Version}}'), base $BASE_IMAGE_TAG"
