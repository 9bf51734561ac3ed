#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tree.sh: give the developer build/linux on branch "series" with
# patches/ applied as commits.
#   tree.sh                 create it; a tree that already has commits
#                           on base is left alone
#   tree.sh --reset         start over from patches/; the old branch is
#                           kept as series-old-DATE, so nothing is lost
#   tree.sh --check-exported  fail if the tree has work patches/ lacks
. "$(dirname "$0")/lib.sh"

exported() {	# are the commits base..series exactly patches/?
	local tmp=$BUILD/exported.tmp
	rm -rf "$tmp"
	"$TOP/scripts/export.sh" "$TREE" "$tmp" 2>/dev/null &&
		diff -qr "$tmp" "$PATCHES" -x '*.md' >/dev/null
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

case ${1:-} in
--check-exported)
	[ -d "$TREE/.git" ] || exit 0
	exported || die "$TREE has commits or changes that $SERIES_DIR/ lacks: 'make export' first (or remove build/ by hand)"
	exit 0 ;;
--reset)
	if [ -d "$TREE/.git" ] && ! exported; then
		old=series-old-$(date +%Y%m%d-%H%M%S)
		git -C "$TREE" stash -q || true
		git -C "$TREE" branch -m series "$old"
		git -C "$TREE" checkout -q -b series base
		say "kept the previous work as branch $old (and 'git stash list')"
	elif [ -d "$TREE/.git" ]; then
		g "$TREE" checkout -q -B series base
	fi ;;
esac

"$TOP/scripts/base-tree.sh"
if [ "$(git -C "$TREE" rev-parse HEAD)" != "$(git -C "$TREE" rev-parse base)" ]; then
	say "build/linux already has $(git -C "$TREE" rev-list --count base..HEAD) commits on base; left alone ('make retree' starts over from $SERIES_DIR/)"
	exit 0
fi
"$TOP/scripts/apply.sh" "$TREE"
say "developer tree: $TREE (branch series; 'make export' writes $SERIES_DIR/)"
