#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# export.sh [TREE [DIR]]: write the commits base..HEAD of TREE (default:
# the developer tree) to DIR (default: patches/) with git format-patch:
# cover letter from the branch description, numbered patches, base-commit,
# and DIR/series.  The cover letter's last part, who would review the
# series, is rewritten from scripts/get_maintainer.pl at every export.
# The output depends only on the commits, so exporting what apply.sh
# applied gives back the same files.  With no commit on base, the cover
# letter alone is written, in format-patch's form.
. "$(dirname "$0")/lib.sh"

tree=${1:-$TREE} dir=${2:-$PATCHES}
[ -d "$tree/.git" ] || [ -f "$tree/.git" ] || die "no kernel tree at $tree: run 'make tree' first"
git -C "$tree" symbolic-ref -q HEAD >/dev/null ||
	die "$tree is not on a branch (the cover letter is the branch description)"
[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
	die "$tree has uncommitted changes; commit them (git rebase -i to place them) first"

# The heading of the cover letter's last part, and how it is made.
gm_opts="--nogit --nogit-fallback --nofixes"
gm_head="Who would review it (scripts/get_maintainer.pl $gm_opts):"

fmt() {	# format-patch base..HEAD into $tmp
	# The cover letter's Date is the last commit's, not the time of export.
	GIT_COMMITTER_DATE=$(git -C "$tree" log -1 --format=%ad --date=raw) \
	g "$tree" format-patch -q -o "$tmp" --cover-letter \
		--cover-from-description=subject --zero-commit --base=base \
		--no-signature base..HEAD
}

tmp=$BUILD/export.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
if [ "$(git -C "$tree" rev-list --count base..HEAD)" -gt 0 ]; then
	key=branch.$(git -C "$tree" branch --show-current).description
	desc=$(git -C "$tree" config "$key" || true)
	[ -n "$desc" ] || die "no cover letter: set it with 'git -C $tree branch --edit-description'"
	fmt
	# The cover letter ends with who would review the series, from
	# get_maintainer.pl on its patches: replace that part with a fresh one.
	# HOME: no personal .get_maintainer.conf changes the list.  A fixed
	# hash seed: get_maintainer.pl names someone who is in two sections
	# (a reviewer of fs/ and of fs/dax.c) with the role of either,
	# depending on perl's hash order, which is random by default.
	list=$(cd "$tree" && HOME=/nonexistent PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0 \
		./scripts/get_maintainer.pl $gm_opts \
		$(ls "$tmp"/*.patch | grep -v '/0000-cover-letter.patch$') | sed 's/^/  /')
	text=$(printf '%s' "${desc%%"$gm_head"*}")	# without blank lines at the end
	want=$(printf '%s\n\n%s\n\n%s\n' "$text" "$gm_head" "$list")
	if [ "$want" != "$desc" ]; then
		g "$tree" config "$key" "$want"
		rm -f "$tmp"/*.patch
		fmt
	fi
else
	# No patch yet: the cover letter alone, in format-patch's form, from
	# the branch description (format-patch writes nothing for no commits).
	key=branch.$(git -C "$tree" branch --show-current).description
	desc=$(git -C "$tree" config "$key" || true)
	[ -n "$desc" ] || die "no cover letter: set it with 'git -C $tree branch --edit-description'"
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		echo "From: $(g "$tree" var GIT_COMMITTER_IDENT | sed 's/> .*/>/')"
		echo "Date: $(git -C "$tree" log -1 --format=%aD base)"
		echo "Subject: [PATCH 0/0] ${desc%%$'\n'*}"
		echo
		printf '%s\n' "$desc" | tail -n +3
		echo
		echo "base-commit: $(git -C "$tree" rev-parse base)"
	} > "$tmp/0000-cover-letter.patch"
fi
(cd "$tmp" && ls -- *.patch 2>/dev/null | grep -v '^0000-cover-letter.patch$' || true) > "$BUILD/series.tmp"
mv "$BUILD/series.tmp" "$tmp/series"
mkdir -p "$dir"
rm -f "$dir"/*.patch
mv "$tmp"/* "$dir/"
rm -rf "$tmp"
say "exported $(wc -l < "$dir/series") patches from $tree to $dir"
