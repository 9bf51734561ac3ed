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

# worktree DIR BRANCH: a worktree of $TREE at DIR with BRANCH reset to the
# base commit.  Build output (untracked, ignored) is kept, so rebuilds are
# incremental; tracked files are forced back to the base.
worktree() {
	local dir=$1 branch=$2
	if [ ! -e "$dir/.git" ]; then
		say "creating worktree $dir"
		g "$TREE" worktree add -q -f -B "$branch" "$dir" base
	else
		git -C "$dir" am --abort >/dev/null 2>&1 || true
		g "$dir" checkout -q -f -B "$branch" base
	fi
	git -C "$dir" config --unset "branch.$branch.description" || true
}
