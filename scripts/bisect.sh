#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bisect.sh: every patch on its own.  Applies patches/ one at a time to the
# base in the check worktree and, after each, runs what run.sh runs (build,
# both boots, the suites, KUnit, dmesg).  Prints patch -> build, boot,
# tests (pass/fail/skip, known base failures as skipped), result and time,
# and stops at the first patch that fails, naming it.  Logs: $LOGS/bisect-N/.
# BISECT_FROM=N applies patches 1..N-1 without testing them and starts at
# patch N (to resume after a fix, or to test only the patches that changed).
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/deps.sh"
"$TOP/scripts/base-tree.sh"
series=$BUILD/check
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
	if "$TOP/scripts/report.sh" "$LOGS/bisect-$n/results.tsv" > "$LOGS/bisect-$n.summary"; then
		r=ok
	else
		r=FAILED
	fi
	boot=pass
	for f in legacy nfit stress-ext4 stress-hmm stress-p2pdma stress-xfs stress-devdax; do [ "$(harness "boot-$f")" = pass ] || boot=fail; done
	tests=$(tail -1 "$LOGS/bisect-$n.summary" | awk '/passed,/ { print $1 "/" $3 "/" $5 }')
	row "$n" "$p" "$(harness build)" $boot "${tests:--}" $r $((SECONDS - t0))
	if [ $r != ok ]; then
		sed -n '/^FAILED/,/^$/p' "$LOGS/bisect-$n.summary" >&2
		die "patch $n ($p) fails on its own; see $LOGS/bisect-$n.log"
	fi
done
say "patches ${BISECT_FROM:-1}..$n build, boot and pass on their own in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s"
