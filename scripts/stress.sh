#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# stress.sh: the stress suite alone, for long (guest/suites/stress.sh: every
# stress program of a boot flavour at once), on the base and on the series:
# each program runs STRESS_SECS seconds (default 600) per kernel, and the
# two boots of a kernel run at once.
# STRESS_DEBUG=1 adds the debug kernel.  The summary (report.sh) has the
# figures of each program: iterations, data mismatches, errors, leaked
# pages, and whether the kernel log of that boot stayed clean.  Not part
# of make check, which runs the same programs 30 s each.
. "$(dirname "$0")/lib.sh"

export STRESS_SECS=${STRESS_SECS:-600} STRESS_ONLY=1 PARALLEL_BOOTS=1
"$TOP/scripts/deps.sh"
"$TOP/scripts/base-tree.sh"
start=$SECONDS
ab_trees
extra=()
"$TOP/scripts/run.sh" stress-patched "$series" "$series"
if [ "${STRESS_DEBUG:-0}" = 1 ]; then
	debug_run stress-debug "$series"
	extra+=("$LOGS/stress-debug.tsv")
fi
"$TOP/scripts/run.sh" stress-base "$base" "$series"
say "stress done in $(((SECONDS - start) / 60)) min; logs in $LOGS/stress-*"
"$TOP/scripts/report.sh" "$LOGS/stress-patched/results.tsv" \
	"$LOGS/stress-base/results.tsv" "${extra[@]}"
