#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Create $BUILD/linux: a git repository whose first commit, tagged "base",
# is the base tree.  The source is the base's Debian linux-source package
# at the pinned version (bases/$BASE/base, fetched by fetch-base.sh), or
# KERNEL_SRC=/path (a source tree of the base's series, or a clean git
# checkout of one).  An existing repository made from the same source is reused.
. "$(dirname "$0")/lib.sh"

src_desc() {
	if [ -z "${KERNEL_SRC:-}" ]; then
		echo "$BASE_PKG $BASE_PKG_VERSION"
	elif [ -d "$KERNEL_SRC/.git" ] || [ -f "$KERNEL_SRC/.git" ]; then
		echo "git $(realpath "$KERNEL_SRC") $(git -C "$KERNEL_SRC" rev-parse HEAD)"
	else
		echo "tree $(realpath -m "$KERNEL_SRC")"
	fi
}

check_version() {	# DIR NAME: DIR is a $BASE_SERIES.y tree (and the pinned one by default)
	local v
	[ -f "$1/Makefile" ] && [ -f "$1/mm/memremap.c" ] ||
		die "$2 is not a kernel source tree (no Makefile or mm/memremap.c)"
	v=$(make -s -C "$1" kernelversion 2>/dev/null) ||
		die "cannot read the kernel version of $2"
	case " ${ACCEPT_SERIES:-$BASE_SERIES} " in	# make versions: 7.2 too
	*" ${v%.*} "*) ;;
	*) die "$2 is Linux $v; the series of BASE=$BASE is for $BASE_SERIES.y (other bases: bases/)" ;;
	esac
	if [ -z "${KERNEL_SRC:-}" ] && [ "$v" != "$BASE_KERNELVERSION" ]; then
		die "$BASE_PKG gave $v, bases/$BASE/base pins $BASE_KERNELVERSION"
	fi
	echo "$v"
}

want=$(src_desc)
if [ -d "$TREE/.git" ]; then
	have=$(cat "$TREE/.git/harness-base" 2>/dev/null || echo unknown)
	[ "$have" = "$want" ] && exit 0
	die "$TREE was made from '$have', not '$want'.
Export any work with 'make export', then 'make distclean' and try again."
fi

stage=$BUILD/base.tmp
rm -rf "$stage"
mkdir -p "$stage"
if [ -z "${KERNEL_SRC:-}" ]; then
	"$TOP/scripts/fetch-base.sh" "$stage"
elif [ ! -d "$KERNEL_SRC" ]; then
	die "KERNEL_SRC=$KERNEL_SRC does not exist"
elif [ -e "$KERNEL_SRC/.git" ]; then
	check_version "$KERNEL_SRC" "KERNEL_SRC=$KERNEL_SRC" >/dev/null
	[ -z "$(git -C "$KERNEL_SRC" status --porcelain --untracked-files=no)" ] ||
		die "KERNEL_SRC=$KERNEL_SRC has uncommitted changes; commit or stash them"
	say "exporting HEAD of $KERNEL_SRC"
	git -C "$KERNEL_SRC" archive HEAD | tar -C "$stage" -x
else
	check_version "$KERNEL_SRC" "KERNEL_SRC=$KERNEL_SRC" >/dev/null
	for f in .config vmlinux include/generated; do
		[ ! -e "$KERNEL_SRC/$f" ] ||
			die "KERNEL_SRC=$KERNEL_SRC has build output ($f); run 'make mrproper' there"
	done
	say "copying $KERNEL_SRC"
	cp -a "$KERNEL_SRC/." "$stage/"
fi
ver=$(check_version "$stage" "${KERNEL_SRC:-$BASE_PKG}")

# Debian's .gitignore ends with "/*" for its packaging repository: in a
# kernel git tree that hides every new file.  Drop that stanza.
msg="Linux $ver ($want)"
if grep -q '^# Debian packaging: ignore everything at the top level' "$stage/.gitignore" 2>/dev/null; then
	perl -0pi -e 's{\n*#\n# Debian packaging: ignore everything.*?\n!/debian/\n}{\n}s' "$stage/.gitignore"
	msg="$msg

Debian's top-level \"/*\" .gitignore rule, meant for its packaging
repository, is dropped so that new files show up in git."
fi

say "committing Linux $ver as the base (takes a minute)"
date=@$(stat -c %Y "$stage/Makefile")
git init -q -b series "$stage"
git -C "$stage" config gc.auto 0	# no auto repack of the whole tree
g "$stage" add -A -f .
GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
	g "$stage" commit -q -m "$msg"
g "$stage" tag base
echo "$want" > "$stage/.git/harness-base"
mv "$stage" "$TREE"
say "base tree ready: $TREE ($(git -C "$TREE" rev-parse --short base))"
