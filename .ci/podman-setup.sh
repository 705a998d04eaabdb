#!/usr/bin/env bash
# Why: container nodes (bench/nodes) need Podman with runc and limits this kind of machine allows; a
# fresh Debian 12 CI machine has none of it. Installs podman, runc, openssh-server (the ssh:// Podman path
# and its test), and writes podman's engine settings (design.md §5). Idempotent: safe to run every time.
# Run as root (or with sudo available). Also installs catatonit (pod infra image for `podman kube play`).
set -euo pipefail

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "podman-setup: error: need root (or sudo) to install and configure podman" >&2; exit 2; fi

need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc   >/dev/null 2>&1 || need+=(runc)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
# `podman kube play` builds its pod's infra (pause) image locally from catatonit (no registry here);
# it is only a Recommends of podman, so --no-install-recommends installs leave it out
command -v catatonit >/dev/null 2>&1 || [ -x /usr/libexec/podman/catatonit ] || need+=(catatonit)
if [ ${#need[@]} -gt 0 ]; then
  echo "podman-setup: installing ${need[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Podman's default ulimits (nofile/nproc 1048576) exceed this kind of machine's hard limits, so runc
# fails with "error setting rlimits"; crun fails on hybrid cgroups. Lower the limits, use runc, and use
# cgroupfs when systemd is not PID 1 (containers and CI runners).
hard_nofile=$(ulimit -Hn); [ "$hard_nofile" = "unlimited" ] && hard_nofile=1048576
nofile=$(( hard_nofile < 1024 ? hard_nofile : 1024 ))
cgroup_manager="cgroupfs"; [ -d /run/systemd/system ] && cgroup_manager="systemd"
marker="# managed by hilbench .ci/podman-setup.sh"
wanted="$marker
[containers]
default_ulimits = [\"nofile=${nofile}:${nofile}\", \"nproc=1024:1024\"]

[engine]
runtime = \"runc\"
cgroup_manager = \"${cgroup_manager}\"
events_logger = \"file\"
"
conf=/etc/containers/containers.conf
$SUDO mkdir -p /etc/containers
if [ ! -e "$conf" ] || grep -qF "$marker" "$conf"; then
  if [ ! -e "$conf" ] || [ "$(cat "$conf")" != "$(printf '%s' "$wanted")" ]; then
    printf '%s' "$wanted" | $SUDO tee "$conf" >/dev/null
    echo "podman-setup: wrote $conf"
  fi
else
  # someone else's containers.conf: leave it, add ours as a drop-in (read after the main file)
  $SUDO mkdir -p /etc/containers/containers.conf.d
  dropin=/etc/containers/containers.conf.d/50-hilbench.conf
  if [ ! -e "$dropin" ] || [ "$(cat "$dropin")" != "$(printf '%s' "$wanted")" ]; then
    printf '%s' "$wanted" | $SUDO tee "$dropin" >/dev/null
    echo "podman-setup: $conf is not ours; wrote drop-in $dropin"
  fi
fi

# sshd's privilege-separation directory (the ssh:// test starts its own sshd on a loopback port)
[ -d /run/sshd ] || $SUDO install -d -m 0755 /run/sshd

# smoke check: can podman run a container here? (no image needed: an empty rootfs + the host's /usr)
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{usr,proc,sys,dev,tmp,etc}
ln -s usr/bin "$rootfs/bin"; ln -s usr/lib "$rootfs/lib"; ln -s usr/lib64 "$rootfs/lib64"
if $SUDO podman run --rm --network host -v /usr:/usr:ro --rootfs "$rootfs" /usr/bin/true; then
  echo "podman-setup: ok ($(podman --version), runtime runc, cgroup manager ${cgroup_manager})"
else
  echo "podman-setup: error: podman cannot run a container on this machine (see the message above)" >&2
  exit 2
fi
