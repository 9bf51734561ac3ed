#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# apply.sh TREE: apply the series ($SERIES_DIR/) with git am, in the order of patches/series,
# on TREE's HEAD.  The cover letter's text becomes the branch description,
# from which export.sh writes it back.  A patch that does not apply is
# named with the hunk that failed, and the tree is left as it was.
. "$(dirname "$0")/lib.sh"

tree=$1
series=$PATCHES/series
[ -f "$series" ] || die "$series is missing"

n=0
for p in $(series_patches); do
	[ -f "$PATCHES/$p" ] || die "$SERIES_DIR/series names $p, which does not exist"
	if ! g "$tree" am -q --whitespace=error-all "$PATCHES/$p" > "$LOGS/am.log" 2>&1; then
		{
			echo "error: $SERIES_DIR/$p does not apply to $(git -C "$tree" log -1 --format='%h (%s)')"
			grep -v -e "^hint:" -e "^When you have" -e "^If you prefer" -e "^To restore" "$LOGS/am.log"
			echo "--- the hunk that failed:"
			git -C "$tree" am --show-current-patch=diff |
				git -C "$tree" apply --check -v 2>&1 |
				sed -n '/^error: while searching for:/,$p' | head -40
		} >&2
		git -C "$tree" am --abort
		exit 1
	fi
	n=$((n + 1))
done

cover=$PATCHES/0000-cover-letter.patch
if [ -f "$cover" ]; then
	# Subject (without [PATCH 0/N]) and body up to the shortlog.
	desc=$(awk '
		/^Subject: / { sub(/^Subject: (\[[^]]*\] )?/, ""); subj = $0; next }
		subj != "" && !body && /^[ \t]/ { subj = subj $0; next }	# folded
		subj != "" && !body && /^$/ { body = 1; next }
		body && /^[^ ].* \([0-9]+\):$/ { exit }	# the shortlog
		body && /^base-commit: / { exit }	# a cover letter alone
		body { text = text $0 "\n" }
		END { printf "%s\n\n%s", subj, text }' "$cover" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
	g "$tree" config "branch.$(git -C "$tree" branch --show-current).description" "$desc" 2>/dev/null || true
fi
say "applied $n patches on $(git -C "$tree" rev-parse --short base)"
