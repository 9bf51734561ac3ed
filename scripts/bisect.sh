#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bisect.sh: every patch on its own.  Applies patches/ one at a time to the
# base in the check worktree and, after each, runs what run.sh runs (build,
# both boots, the suites, KUnit, dmesg).  Prints patch -> build, boot,
# tests (pass/fail/skip, known base failures as skipped), result and time,
# and stops at the first patch that fails, naming it.  A failure counts
# only if the base fails no such test: a bug that a later patch fixes
# still fails before that patch (the base run of the last make check,
# $LOGS/base/results.tsv, is the reference).  Logs: $LOGS/bisect-N/.
# BISECT_FROM=N applies patches 1..N-1 without testing them and starts at
# patch N (to resume after a fix, or to test only the patches that changed).
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/deps.sh"
"$TOP/scripts/base-tree.sh"
series=$BUILD/check
basetsv=$LOGS/base/results.tsv
[ -s "$basetsv" ] || die "make bisect compares each patch with the base run of make check ($basetsv): run make check first"
worktree "$series" check

table=$LOGS/bisect.txt
row() { printf '%-3s %-62s %-6s %-6s %-20s %-7s %6s\n' "$@" | tee -a "$table"; }
# harness TEST: the result of host step TEST of this patch's run.
harness() { awk -F'\t' -v t="$1" '$1 == "harness" && $2 == t { print $3; f = 1 }
	END { if (!f) print "-" }' "$LOGS/bisect-$n/results.tsv"; }
: > "$table"
row N patch build boot "tests pass/fail/skip" result secs
n=0 start=$SECONDS
for p in $(series_patches); do
	n=$((n + 1))
	g "$series" am -q "$PATCHES/$p" ||
		die "$SERIES_DIR/$p does not apply on patches 1..$((n - 1))"
	if [ $n -lt "${BISECT_FROM:-1}" ]; then
		row "$n" "$p" - - - "not run" -
		continue
	fi
	t0=$SECONDS
	"$TOP/scripts/run.sh" "bisect-$n" "$series" "$series" > "$LOGS/bisect-$n.log" 2>&1
	"$TOP/scripts/report.sh" "$LOGS/bisect-$n/results.tsv" > "$LOGS/bisect-$n.summary" || true
	# The failures of this patch that the base does not have, and stale
	# known-failures entries: either fails the patch.
	new=$(sed -n '/^FAILED (patched run):$/,/^$/{ s/^  //p; }' "$LOGS/bisect-$n.summary" |
		while IFS= read -r t; do
			# A short plan ("plan (14 of 84 ran)") counts the tests of
			# that patch's programs: compare only that it is short.
			awk -F'\t' -v k="$t" 'BEGIN { sub(/: plan \(.*/, ": plan (", k) }
				{ b = $1 ": " $2; sub(/: plan \(.*/, ": plan (", b) }
				b == k && $3 == "fail" { f = 1 } END { exit !f }' "$basetsv" ||
				echo "$t"
		done)
	stale=$(sed -n '/^STALE known-failures entries/,/^$/{ s/^  //p; }' "$LOGS/bisect-$n.summary")
	r=ok
	[ -z "$new$stale" ] || r=FAILED
	boot=pass
	for f in legacy nfit hmm-evict stress-ext4 stress-hmm stress-p2pdma stress-xfs stress-devdax; do [ "$(harness "boot-$f")" = pass ] || boot=fail; done
	tests=$(tail -1 "$LOGS/bisect-$n.summary" | awk '/passed,/ { print $1 "/" $3 "/" $5 }')
	row "$n" "$p" "$(harness build)" $boot "${tests:--}" $r $((SECONDS - t0))
	if [ $r != ok ]; then
		printf 'new failures (not failing on the base):\n%s\n%s\n' "$new" "$stale" >&2
		die "patch $n ($p) fails on its own; see $LOGS/bisect-$n.log"
	fi
done
say "patches ${BISECT_FROM:-1}..$n build, boot and pass on their own in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s"
