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
files=$(series_files | grep '\.c$' || true)

worktree_at "$src" base

n=0 total=0 builds=0
for p in $patches; do
	n=$((n + 1))
	g "$src" am -q "$PATCHES/$p" || die "compile coverage: $p does not apply"
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
			objs+=("$(kobj "$f")")
		done
		[ ${#objs[@]} -gt 0 ] || continue
		out=$BUILD/cov-$arch
		l=$log/$n-$arch.log
		cross=
		[ $arch = powerpc ] && cross=powerpc64le-linux-gnu-
		cov_config "$src" $arch "$out" > "$l" 2>&1 || { tail "$l"; die "compile coverage: cannot configure $arch"; }
		# Rebuild the objects every time, so their warnings are seen.
		for o in "${objs[@]}"; do rm -f "$out/$o"; done
		make -C "$src" -k -j"$JOBS" O="$out" ARCH=$arch \
			${cross:+CROSS_COMPILE=$cross} CC="ccache ${cross}gcc" W=1 \
			"${objs[@]}" >> "$l" 2>&1 || true	# counted below
		bad=0
		for o in "${objs[@]}"; do [ -f "$out/$o" ] || bad=$((bad + 1)); done
		warn=$(grep -E '^[^ ]+\.[ch]:[0-9]+:[0-9]+: warning:' "$l" | grep -v '^scripts/' || true)
		nw=$(printf '%s' "$warn" | grep -c . || true)
		r=pass
		if [ $bad -gt 0 ] || [ $nw -gt 0 ]; then
			r=fail
			grep -E 'error:|warning:' "$l" | head -20 >&2
		fi
		say "compile coverage: patch $n, $arch: ${#objs[@]} objects, $bad failed, $nw warnings"
		printf 'compile\tpatch %d %s (%d objects, W=1)\t%s\n' $n $arch ${#objs[@]} $r >> "$tsv"
		total=$((total + bad + nw)) builds=$((builds + 1))
	done
done
gate "W=1 compile at every patch, $builds builds (x86_64, powerpc)" - $total $total
