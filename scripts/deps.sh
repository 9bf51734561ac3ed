#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deps.sh [PACKAGE...]: install what the harness needs on Debian 12 with
# apt-get, and the PACKAGEs a target needs beyond that (make bench).
# Packages already installed are not touched; nothing runs if all are.
. "$(dirname "$0")/lib.sh"

pkgs=(
	build-essential bc flex bison libelf-dev libssl-dev cpio ccache rsync uuid-dev
	git kmod xz-utils python3 perl python3-ply python3-git
	gcc-powerpc64le-linux-gnu sparse coccinelle ocaml-nox
	qemu-system-x86 busybox-static e2fsprogs xfsprogs ndctl daxctl
	"$@"
)
missing=()
for p in "${pkgs[@]}"; do
	name=${p%%=*} want=${p#*=}
	have=$(dpkg-query -W -f '${db:Status-Abbrev}${Version}' "$name" 2>/dev/null || true)
	case $have in
	"ii "*) [ "$want" = "$p" ] || [ "${have#ii }" = "$want" ] || missing+=("$p") ;;
	*) missing+=("$p") ;;
	esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

say "installing: ${missing[*]}"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
apt_retry "$BUILD/apt-update.log" $sudo apt-get update -q ||
	{ tail "$BUILD/apt-update.log"; die "apt-get update failed (log: $BUILD/apt-update.log)"; }
apt_retry "$BUILD/apt.log" $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" ||
	{ tail -20 "$BUILD/apt.log"; die "apt-get install failed: ${missing[*]} (log: $BUILD/apt.log)"; }
