#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.sh KTREE OUT.tsv: scripts/checkpatch.pl --strict (from KTREE,
# the tree with the series applied) on every patch of patches/series.  A
# patch passes only with no error, warning or check.  Per-patch output:
# $LOGS/checkpatch/.
#
# Two checks are answered here instead of by checkpatch:
#  - UNKNOWN_COMMIT_ID: the base is a release tarball with no upstream
#    history, so checkpatch cannot look up the commit of any Fixes: tag.
#  - FILE_PATH_CHANGES ("does MAINTAINERS need updating?"), which fires
#    for every new file: instead, every file a patch adds must have a
#    maintainer according to scripts/get_maintainer.pl.
. "$(dirname "$0")/lib.sh"

ktree=$1 tsv=$2
# checkpatch runs scripts/spdxcheck.py with "python3": Debian's, which has
# the python3-ply and python3-git that deps.sh installs.
export PATH=/usr/bin:$PATH
mkdir -p "$LOGS/checkpatch"
: > "$tsv"
printf '%-60s %6s %8s %6s %11s\n' checkpatch errors warnings checks unmaintained >&2
total=0 np=0
for p in $(series_patches); do
	log=$LOGS/checkpatch/${p%.patch}.log
	(cd "$ktree" && ./scripts/checkpatch.pl --strict --no-summary --show-types \
		--ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES "$PATCHES/$p") > "$log" 2>&1 || true
	# Files the patch adds, and whether anyone maintains them.
	u=0
	for f in $(awk '/^--- \/dev\/null$/ { new = 1; next }
			new && /^\+\+\+ b\// { print substr($0, 7) } { new = 0 }' "$PATCHES/$p"); do
		(cd "$ktree" && ./scripts/get_maintainer.pl --nogit --nogit-fallback -f "$f" 2>/dev/null) |
			grep -q '(maintainer:' && continue
		echo "UNMAINTAINED: $f has no maintainer in MAINTAINERS" >> "$log"
		u=$((u + 1))
	done
	e=$(grep -c '^ERROR:' "$log" || true)
	w=$(grep -c '^WARNING:' "$log" || true)
	c=$(grep -c '^CHECK:' "$log" || true)
	n=$((e + w + c + u))
	printf '%-60s %6d %8d %6d %11d\n' "$p" "$e" "$w" "$c" "$u" >&2
	[ $n -eq 0 ] || sed 's/^/    /' "$log" >&2
	printf 'checkpatch\t%s\t%s\n' "$p" "$([ $n -eq 0 ] && echo pass || echo fail)" >> "$tsv"
	total=$((total + n)) np=$((np + 1))
done
gate "checkpatch --strict, $np patches" - $total $total
