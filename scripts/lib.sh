# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the harness scripts.  Sourced, never executed.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$TOP/config/base"

BUILD=${BUILD:-$TOP/build}
TREE=$BUILD/linux		# developer tree: base commit + the series
LOGS=$BUILD/logs
mkdir -p "$BUILD" "$LOGS"
JOBS=${JOBS:-$(nproc)}

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/harness-ccache}
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

git_id=(-c "user.name=$SERIES_NAME" -c "user.email=$SERIES_EMAIL"
	-c core.fsync=none -c gc.auto=0 -c advice.detachedHead=false)

say() { printf '>>> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# need CMD PACKAGE...: fail with the package to install if CMD is missing.
need() {
	local cmd=$1; shift
	command -v "$cmd" >/dev/null 2>&1 ||
		die "'$cmd' is missing: run 'make deps' or 'apt-get install $*'"
}

# g TREE ARGS...: git in TREE with the series identity.
g() { local t=$1; shift; git -C "$t" "${git_id[@]}" "$@"; }

# series_patches: the patch files named by patches/series, in order.
series_patches() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series" || true
}

# worktree_at DIR REV: a worktree of $TREE at DIR, detached at REV, with
# any interrupted git am given up.  Build output (untracked, ignored) is
# kept, so rebuilds are incremental; tracked files are forced to REV.
worktree_at() {
	local dir=$1 rev=$2
	if [ ! -e "$dir/.git" ]; then
		say "creating worktree $dir"
		g "$TREE" worktree add -q -f --detach "$dir" "$rev"
	else
		git -C "$dir" am --abort >/dev/null 2>&1 || true
		g "$dir" checkout -q -f --detach "$rev"
	fi
}

# worktree DIR BRANCH: worktree_at the base commit, on BRANCH (reset to
# the base, without a description: apply.sh sets it from the cover
# letter).
worktree() {
	worktree_at "$1" base
	g "$1" checkout -q -B "$2"
	git -C "$1" config --unset "branch.$2.description" || true
}

# gate NAME BASE PATCHED NEW [RESULT]: a row of the gate table of check.sh
# ($GATES, if set).  RESULT defaults to pass when NEW is 0, else fail.
gate() {
	local r=${5:-$([ "$4" -eq 0 ] && echo pass || echo fail)}
	[ -z "${GATES:-}" ] || printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$r" >> "$GATES"
}

# series_files: every file a patch of patches/series touches, sorted.
series_files() {
	local p
	for p in $(series_patches); do
		sed -n 's|^+++ b/\(.*\)$|\1|p' "$TOP/patches/$p"
	done | sort -u
}

# kobj FILE.c: the object make builds FILE.c as (amdkfd is built from
# amdgpu's directory).
kobj() {
	case $1 in
	drivers/gpu/drm/amd/amdkfd/*) echo "drivers/gpu/drm/amd/amdgpu/../amdkfd/$(basename "${1%.c}").o" ;;
	*) echo "${1%.c}.o" ;;
	esac
}

# cov_config SRC ARCH OUT: configure the compile-coverage build OUT of SRC
# once: x86_64 allmodconfig, or powerpc ppc64le_defconfig plus what builds
# the touched arch/powerpc files (Debian's powerpc64le-linux-gnu-gcc).
cov_config() {
	local src=$1 arch=$2 out=$3
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

# ab_trees: the two worktrees of make check, bench and stress, and their
# paths: series=$BUILD/check (the base and patches/, applied afresh) and
# base=$BUILD/base (the base only).
ab_trees() {
	series=$BUILD/check base=$BUILD/base
	worktree "$series" check
	"$TOP/scripts/apply.sh" "$series"
	worktree "$base" baseline
}

# debug_run NAME SERIES: run.sh NAME on the debug kernel of the commit the
# worktree SERIES is at, built in its own worktree ($BUILD/debug); its
# results, each suite as "debug:SUITE", in $LOGS/NAME.tsv.
debug_run() {
	worktree_at "$BUILD/debug" "$(git -C "$2" rev-parse HEAD)"
	"$TOP/scripts/run.sh" "$1" "$BUILD/debug" "$2" debug
	sed 's/^/debug:/' "$LOGS/$1/results.tsv" > "$LOGS/$1.tsv"
}
