# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the harness scripts.  Sourced, never executed.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$TOP/config/identity"

# BASE= picks the base: a directory bases/NAME/ with its "base" file
# (package, version, suite, series directory), its known-failures, its
# kunit.kunitconfig and, optionally, config fragments of its own
# (bases/NAME/*.config, on top of config/*.config).
BASE=${BASE:-7.3}
BASEDIR=$TOP/bases/$BASE
if [ ! -f "$BASEDIR/base" ]; then
	printf 'error: unknown BASE=%s; the bases are: %s\n' "$BASE" \
		"$(cd "$TOP/bases" && ls -d -- */ | tr -d / | tr '\n' ' ')" >&2
	exit 1
fi
. "$BASEDIR/base"
PATCHES=$TOP/$SERIES_DIR	# the series: patch files, series, cover letter
KNOWN=$BASEDIR/known-failures
export BASE

BUILD=${BUILD:-$TOP/build/$BASE}
TREE=$BUILD/linux		# developer tree: base commit + the series
LOGS=$BUILD/logs
mkdir -p "$BUILD" "$LOGS"
JOBS=${JOBS:-$(nproc)}

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/harness-ccache}
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

# The identity of the commits the harness makes and of the patches it
# exports: the person's own (GIT_COMMITTER_*, GIT_AUTHOR_* or git's
# user.name and user.email), else the placeholder of config/identity.
id_name=${GIT_COMMITTER_NAME:-${GIT_AUTHOR_NAME:-$(git config user.name || true)}}
id_email=${GIT_COMMITTER_EMAIL:-${GIT_AUTHOR_EMAIL:-$(git config user.email || true)}}
git_id=(-c "user.name=${id_name:-$SERIES_NAME}" -c "user.email=${id_email:-$SERIES_EMAIL}")
git_id+=(-c core.fsync=none -c gc.auto=0 -c advice.detachedHead=false)

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

# series_patches: the patch files named by the series file, in order.
series_patches() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$PATCHES/series" || true
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
		sed -n 's|^+++ b/\(.*\)$|\1|p' "$PATCHES/$p"
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

# --- The base package, fetched without touching the machine's apt ---------
# Everything apt needs lives under $APT_CACHE/SUITE: its own sources list,
# lists, cache (where the .deb is kept) and lock.  The mirror and keyring
# are those of the machine's own source for the archive ("debian",
# "debian-security"), read from /etc/apt; the suite need not be one that
# the machine lists.
APT_CACHE=${APT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/harness/apt}
APT_LOCK_WAIT=${APT_LOCK_WAIT:-120}	# seconds to wait for an apt lock

# apt_retry LOG CMD...: run an apt command, output to LOG; while another
# process holds an apt lock, try again every 5 s for APT_LOCK_WAIT s,
# then fail naming the holder.
apt_retry() {
	local log=$1 t0=$SECONDS
	shift
	until "$@" > "$log" 2>&1; do
		grep -qE 'Could not get lock|Unable to lock' "$log" || return 1
		if [ $((SECONDS - t0)) -ge "$APT_LOCK_WAIT" ]; then
			echo "apt lock still held after $APT_LOCK_WAIT s:" >> "$log"
			return 1
		fi
		[ $((SECONDS - t0)) -gt 0 ] || say "waiting up to $APT_LOCK_WAIT s: $(grep -m1 -E 'Could not get lock' "$log")"
		sleep 5
	done
}

# apt_source ARCHIVE: "URI KEYRING" of the machine's source for ARCHIVE.
apt_source() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do	# deb822
		[ -f "$f" ] && awk -v a="$1" '
			function flush() { if (uri != "") print uri, key; uri = key = "" }
			/^[ \t]*$/ { if (hit) flush(); hit = 0; uri = key = ""; next }
			tolower($1) == "uris:" { for (i = 2; i <= NF; i++) { u = $i; sub(/\/+$/, "", u)
				if (u ~ ("/" a "$")) { uri = u; hit = 1 } } }
			tolower($1) == "signed-by:" { key = $2 }
			END { if (hit) flush() }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do	# one-line
		[ -f "$f" ] && sed -nE 's/^deb (\[([^]]*)\] )?([^ ]+) .*/\3 \2/p' "$f" |
			while read -r u opts; do
				u=${u%/}
				case $u in */"$1") ;; *) continue ;; esac
				k=$(echo "$opts" | sed -nE 's/.*signed-by=([^ ]+).*/\1/p')
				echo "$u $k"
			done
	done
}

# papt SUITE ARCHIVE CMD ARGS...: run apt-get or apt-cache CMD with the
# private configuration of SUITE (set up, and updated once a day).
# SUITE-src (sid-src): the source packages of SUITE (deb-src).
papt() {
	local suite=$1 archive=$2 cmd=$3 dir=$APT_CACHE/$1 src uri key
	local type=deb dist=$1
	case $suite in *-src) type=deb-src dist=${suite%-src} ;; esac
	shift 3
	local opts=(-o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=-
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache"
		-o Dir::State::status=/dev/null -o APT::Get::List-Cleanup=0
		-o DPkg::Lock::Timeout="$APT_LOCK_WAIT"
		-o Acquire::Retries=2 -o APT::Sandbox::User=root)
	if [ ! -f "$dir/sources.list" ] || [ -n "$(find "$dir/lists" -maxdepth 0 -mmin +1440 2>/dev/null)" ]; then
		src=$(apt_source "$archive" | head -1)
		[ -n "$src" ] || die "no apt source in /etc/apt ends in /$archive: cannot find the machine's Debian mirror for $suite"
		read -r uri key <<< "$src"
		[ -n "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
		[ -f "$key" ] || die "the keyring $key of $uri is missing: apt-get install debian-archive-keyring"
		mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
		echo "$type [signed-by=$key] $uri $dist main" > "$dir/sources.list"
		say "apt ($suite, private to the harness): update from $uri"
		# The lists lock is private; a second harness run waits for it.
		apt_retry "$dir/update.log" timeout 300 apt-get "${opts[@]}" update &&
			! grep -qE '^(W|E): .*(Failed|not sign|does not have a Release)' "$dir/update.log" || {
			sed 's/^/    /' "$dir/update.log" >&2
			rm -f "$dir/sources.list"	# try again next time
			die "apt-get update of $suite from $uri failed (log above: unreachable, unsigned, or locked for $APT_LOCK_WAIT s)"
		}
		touch "$dir/lists"
	fi
	"$cmd" "${opts[@]}" "$@"
}
