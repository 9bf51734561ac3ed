#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check.sh apply|lint|run|check|debug: the main job and the full check, on
# the base BASE= picks (bases/, default 7.3: mainline).
#
#   apply  only apply the series to the base (in $BUILD/check)
#   lint   apply it, then checkpatch --strict: what CI checks of a frozen
#          base (6.12), without building
#   run    apply patches/ to the base, build, boot both pmem flavours, run
#          the suites, print the summary
#   check  the same for the base tree without the series (the baseline)
#          and with it, side by side, plus the gates: git am on the
#          pinned base, checkpatch --strict, compile coverage per patch,
#          static analysis base vs patched and the format-patch round
#          trip; known-failures decides the verdict
#   debug  apply patches/, then the series on the debug kernel
#          (config/debug/): every suite ("debug:SUITE" in the summary)
. "$(dirname "$0")/lib.sh"

mode=${1:-run}
start=$SECONDS
"$TOP/scripts/deps.sh"
# A full check of a clean clone takes about 16 GiB of build/ (the trees,
# the compile-coverage objects, the KUnit builds, the guests' NVDIMMs).
free=$(df -Pk "$BUILD" | awk 'NR == 2 { print int($4 / 1048576) }')
[ "$free" -ge 20 ] || say "warning: only $free GiB free under $BUILD; a full check of a clean clone needs about 16 GiB"
"$TOP/scripts/base-tree.sh"

series=$BUILD/check		# worktree: base + patches/
worktree "$series" check
"$TOP/scripts/apply.sh" "$series"
[ "$mode" = apply ] && exit 0
if [ "$mode" = lint ]; then
	printf 'series\tgit am on %s (%s patches)\tpass\n' "$BASE_KERNELVERSION" \
		"$(series_patches | wc -l)" > "$LOGS/lint.tsv"
	"$TOP/scripts/checkpatch.sh" "$series" "$LOGS/checkpatch.tsv"
	exec "$TOP/scripts/report.sh" "$LOGS/lint.tsv" /dev/null "$LOGS/checkpatch.tsv"
fi

extra=()
if [ "$mode" = check ]; then
	# Gates: one row each (gate, base, patched, new findings, result).
	export GATES=$LOGS/gates.tsv
	: > "$GATES"
	gate "git am --whitespace=error-all on $(make -s -C "$series" kernelversion) (pinned)" \
		- "$(series_patches | wc -l) patches" 0

	base=$BUILD/base	# worktree: base only
	worktree "$base" baseline
	"$TOP/scripts/run.sh" base "$base" "$series"

	say "checkpatch --strict"
	"$TOP/scripts/checkpatch.sh" "$series" "$LOGS/checkpatch.tsv"
	extra+=("$LOGS/checkpatch.tsv")

	say "compile coverage of the touched files, per patch"
	"$TOP/scripts/compile-cov.sh" "$LOGS/compile.tsv"
	extra+=("$LOGS/compile.tsv")

	say "static analysis of the touched files: base, then patched"
	"$TOP/scripts/static.sh" "$LOGS/static.tsv"
	extra+=("$LOGS/static.tsv")

	# Exporting what was applied must give patches/ back, byte for byte.
	rt=$BUILD/roundtrip
	rm -rf "$rt"
	# With the identity of who exported them (the cover letter's From:),
	# whoever runs the check.
	# format-patch folds a long From: onto a second line: unfold it.
	from=$(awk 'NR > 1 && /^From: / { f = substr($0, 7)
			while ((getline n) > 0 && n ~ /^[ \t]/) f = f n
			print f; exit }' "$PATCHES/0000-cover-letter.patch" 2>/dev/null)
	GIT_COMMITTER_NAME=${from% <*} GIT_COMMITTER_EMAIL=$(echo "$from" | sed 's/.*<\(.*\)>.*/\1/') \
		"$TOP/scripts/export.sh" "$series" "$rt" 2>/dev/null
	if diff -r "$rt" "$PATCHES" -x '*.md' > "$LOGS/roundtrip.diff"; then r=pass; else r=fail
		say "format-patch round trip differs from $SERIES_DIR/:"; cat "$LOGS/roundtrip.diff" >&2
	fi
	printf 'series\tformat-patch round trip\t%s\n' $r > "$LOGS/series.tsv"
	d=$(grep -c -e '^[<>]' -e '^Only in' "$LOGS/roundtrip.diff" || true)
	gate "format-patch round trip gives $SERIES_DIR/ back" - "$d lines differ" "$d" $r
	extra+=("$LOGS/series.tsv")
fi
if [ "$mode" = debug ]; then
	debug_run debug "$series"
	exec "$TOP/scripts/report.sh" "$LOGS/debug.tsv"
fi
"$TOP/scripts/run.sh" patched "$series" "$series"

say "done in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s; logs in $LOGS"
if [ "$mode" = check ]; then
	"$TOP/scripts/report.sh" "$LOGS/patched/results.tsv" "$LOGS/base/results.tsv" "${extra[@]}"
else
	"$TOP/scripts/report.sh" "$LOGS/patched/results.tsv"
fi
