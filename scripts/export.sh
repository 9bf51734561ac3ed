#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# export.sh [TREE [DIR]]: write the commits base..HEAD of TREE (default:
# the developer tree) to DIR (default: patches/) with git format-patch:
# cover letter from the branch description, numbered patches, base-commit,
# and DIR/series.  The output depends only on the commits, so exporting
# what apply.sh applied gives back the same files.
. "$(dirname "$0")/lib.sh"

tree=${1:-$TREE} dir=${2:-$TOP/patches}
[ -d "$tree/.git" ] || [ -f "$tree/.git" ] || die "no kernel tree at $tree: run 'make tree' first"
git -C "$tree" symbolic-ref -q HEAD >/dev/null ||
	die "$tree is not on a branch (the cover letter is the branch description)"
[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
	die "$tree has uncommitted changes; commit them (git rebase -i to place them) first"

tmp=$BUILD/export.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
if [ "$(git -C "$tree" rev-list --count base..HEAD)" -gt 0 ]; then
	[ -n "$(git -C "$tree" config "branch.$(git -C "$tree" branch --show-current).description")" ] ||
		die "no cover letter: set it with 'git -C $tree branch --edit-description'"
	# The cover letter's Date is the last commit's, not the time of export.
	GIT_COMMITTER_DATE=$(git -C "$tree" log -1 --format=%ad --date=raw) \
	g "$tree" format-patch -q -o "$tmp" --cover-letter \
		--cover-from-description=subject --zero-commit --base=base \
		--no-signature base..HEAD
fi
(cd "$tmp" && ls -- *.patch 2>/dev/null | grep -v '^0000-cover-letter.patch$' || true) > "$BUILD/series.tmp"
mv "$BUILD/series.tmp" "$tmp/series"
mkdir -p "$dir"
rm -f "$dir"/*.patch
mv "$tmp"/* "$dir/"
rm -rf "$tmp"
say "exported $(wc -l < "$dir/series") patches from $tree to $dir"
