#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# compile-cov.sh OUT.tsv: compile coverage for the drivers the test kernel
# does not build (nouveau, amdkfd, Xen, virtio_fs, powerpc, ...).  At
# every patch of patches/series, compile with W=1 every kernel .c file
# that any patch of the series touches (tools/ is user space and built for
# the guest), so that a header change in one patch is checked against the
# callers another patch edits:
#   x86_64   allmodconfig
#   powerpc  ppc64le_defconfig plus the options that build the touched
#            arch/powerpc files (Debian's powerpc64le-linux-gnu-gcc)
# A compile error or any warning in those files fails that patch.  Runs in
# its own worktree, $BUILD/cov-src (out-of-tree builds in $BUILD/cov-*).
# Logs: $LOGS/compile/.
. "$(dirname "$0")/lib.sh"

tsv=$1
src=$BUILD/cov-src
log=$LOGS/compile
mkdir -p "$log"
: > "$tsv"
need powerpc64le-linux-gnu-gcc gcc-powerpc64le-linux-gnu

patches=$(series_patches)
[ -n "$patches" ] || exit 0
files=$(for p in $patches; do sed -n 's|^+++ b/\(.*\.c\)$|\1|p' "$TOP/patches/$p"; done | sort -u)

# The object make builds a .c file as (amdkfd is built from amdgpu).
obj() {
	case $1 in
	drivers/gpu/drm/amd/amdkfd/*) echo "drivers/gpu/drm/amd/amdgpu/../amdkfd/$(basename "${1%.c}").o" ;;
	*) echo "${1%.c}.o" ;;
	esac
}

config() {	# ARCH OUT: configure once
	local arch=$1 out=$2
	[ -f "$out/.config" ] && return
	mkdir -p "$out"
	if [ "$arch" = x86_64 ]; then
		make -C "$src" -s O="$out" ARCH=x86_64 allmodconfig
	else
		make -C "$src" -s O="$out" ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- ppc64le_defconfig
		"$src/scripts/config" --file "$out/.config" --enable ZONE_DEVICE \
			--enable DEVICE_PRIVATE --enable MEMORY_HOTPLUG \
			--enable MEMORY_HOTREMOVE --enable KVM_BOOK3S_64_HV --enable PPC_UV
		make -C "$src" -s O="$out" ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- olddefconfig
	fi
}

worktree_at "$src" base

n=0
for p in $patches; do
	n=$((n + 1))
	g "$src" am -q "$TOP/patches/$p" || die "compile coverage: $p does not apply"
	for arch in x86_64 powerpc; do
		objs=()
		for f in $files; do
			[ -f "$src/$f" ] || continue	# added by a later patch
			case $arch:$f in
			*:tools/*) continue ;;	# user space: built for the guest
			x86_64:arch/*|powerpc:arch/x86/*) continue ;;
			powerpc:arch/powerpc/*|powerpc:mm/*) ;;
			powerpc:*) continue ;;
			esac
			objs+=("$(obj "$f")")
		done
		[ ${#objs[@]} -gt 0 ] || continue
		out=$BUILD/cov-$arch
		l=$log/$n-$arch.log
		cross=
		[ $arch = powerpc ] && cross=powerpc64le-linux-gnu-
		config $arch "$out" > "$l" 2>&1 || { tail "$l"; die "compile coverage: cannot configure $arch"; }
		# Rebuild the objects every time, so their warnings are seen.
		for o in "${objs[@]}"; do rm -f "$out/$o"; done
		make -C "$src" -k -j"$JOBS" O="$out" ARCH=$arch \
			${cross:+CROSS_COMPILE=$cross} CC="ccache ${cross}gcc" W=1 \
			"${objs[@]}" >> "$l" 2>&1 || true	# counted below
		bad=0
		for o in "${objs[@]}"; do [ -f "$out/$o" ] || bad=$((bad + 1)); done
		warn=$(grep -E '^[^ ]+\.[ch]:[0-9]+:[0-9]+: warning:' "$l" | grep -v '^scripts/' || true)
		r=pass
		if [ $bad -gt 0 ] || [ -n "$warn" ]; then
			r=fail
			grep -E 'error:|warning:' "$l" | head -20 >&2
		fi
		say "compile coverage: patch $n, $arch: ${#objs[@]} objects, $bad failed, $(printf '%s' "$warn" | grep -c . || true) warnings"
		printf 'compile\tpatch %d %s (%d objects, W=1)\t%s\n' $n $arch ${#objs[@]} $r >> "$tsv"
	done
done
