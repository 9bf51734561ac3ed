#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# report.sh PATCHED.tsv [BASE.tsv] [EXTRA.tsv...]: the summary.
#
# A table per suite (pass, fail, xfail, skip, seconds) for the patched run
# and, beside it, the base run.  EXTRA results (checkpatch, ...) count with
# the patched run; the gate table of check.sh ($GATES) comes first.
# Failures listed in known-failures are xfail (also in the debug kernel's
# suites, "debug:SUITE"); the check fails on any
# other failure in the patched run, and on any listed test that passes in
# either run (the list is stale), unless its reason starts with
# "(sometimes)": a race that a run may miss.  Tests that fail on the
# base and pass with the series are listed: that is what the series fixes.
# The last line is "N passed, N failed, N skipped" (xfail counted as
# skipped) for the patched run; the exit status is 1 if N failed > 0.
. "$(dirname "$0")/lib.sh"

patched=$1 base=${2:-/dev/null}
# GATES (exported by check.sh): the gate table, printed first.
if [ -s "${GATES:-}" ]; then
	printf '\nGates (findings on the base, with the series, and new ones):\n'
	awk -F'\t' '{ printf "  %-62s %6s %13s %5s  %s\n", $1, $2, $3, $4, $5 }
		BEGIN { printf "  %-62s %6s %13s %5s  %s\n", "gate", "base", "patched", "new", "result" }' "$GATES"
fi
shift; shift || true
known=$KNOWN
[ -f "$patched" ] || die "no results: $patched"

# Boots that failed or were retried (scripts/boot.sh), per run: printed
# last, before the totals, with the console tail of a failed one.
boots=$(mktemp)
trap 'rm -f "$boots"' EXIT
for f in "$(dirname "$patched")" $([ "$base" = /dev/null ] || dirname "$base"); do
	run=patched; [ "$f" = "$(dirname "$patched")" ] || run=base
	for e in "$f"/retried-* "$f"/boot-*.err; do
		if [ -f "$e" ]; then sed "1s/^/[$run] /" "$e"; fi
	done
done > "$boots"

awk -F'\t' -v boots="$boots" -v nobase=$([ "$base" = /dev/null ] && echo 1 || echo 0) '
FILENAME == ARGV[1] {		# known-failures: SUITE | TEST | REASON
	if ($0 ~ /^[ \t]*(#|$)/) next
	n = split($0, f, /[ \t]*\|[ \t]*/)
	sub(/^[ \t]+/, "", f[1])
	known[f[1] "\t" f[2]] = f[3]
	next
}
{
	run = (FILENAME == ARGV[3]) ? "base" : "patched"
	s = $1; t = $2; r = $3
	if (!(s in seen)) { seen[s] = 1; order[++ns] = s }
	if (t ~ /^#time/) { if (t == "#time") time[run, s] += r; next }
	if (t ~ /^#stress /) {	# a figure of a stress program: NAME KEY = r
		split(t, a, " ")
		kern = "patched"
		if (run == "base") kern = "base"
		else if (s ~ /^debug:/) kern = "debug"
		boot = s; sub(/^(debug:)?stress-/, "", boot); sub(/-[0-9]+$/, "", boot)
		sk = kern SUBSEP a[2]
		if (!(sk in sboot)) { sboot[sk] = ((s ~ /^debug:/) ? "debug:" : "") "dmesg-stress-" boot; sord[++nst] = sk; srun[sk] = run }
		fig[sk, a[3]] = r
		next
	}
	k = s "\t" t
	kn = k; sub(/^debug:/, "", kn)	# known failures hold for the debug kernel too
	if (kn in known) why[k] = known[kn]
	if (r == "fail" && (k in why)) r = "xfail"
	# "(sometimes) ..." marks a race that a run may miss: passing is
	# not stale then, and counts as a pass.
	if (r == "pass" && (k in why) && why[k] !~ /^\(sometimes\)/) { r = "stale"; stale[run, k] = 1 }
	if (t == "not run" && r == "skip") notrun[run ": " s] = 1	# guest/init, after an oops
	cnt[run, s, r]++
	res[run, k] = r
	if (run == "patched") tests[k] = 1
}
function cell(run, s) {
	if (!cnt[run, s, "pass"] && !cnt[run, s, "fail"] && !cnt[run, s, "xfail"] &&
	    !cnt[run, s, "skip"] && !cnt[run, s, "stale"])
		return sprintf("%5s %5s %5s %5s %6s", "-", "-", "-", "-", "-")
	return sprintf("%5d %5d %5d %5d %6s", cnt[run, s, "pass"] + cnt[run, s, "stale"],
		cnt[run, s, "fail"] + cnt[run, s, "stale"], cnt[run, s, "xfail"],
		cnt[run, s, "skip"], time[run, s] == "" ? "" : sprintf("%.0f", time[run, s]))
}
END {
	hdr = sprintf("%5s %5s %5s %5s %6s", "pass", "fail", "xfail", "skip", "secs")
	printf "\n%-22s | %-30s", "suite", "patched"
	if (!nobase) printf " | %-30s", "base"
	printf "\n%-22s | %s", "", hdr
	if (!nobase) printf " | %s", hdr
	printf "\n"
	for (i = 1; i <= ns; i++) {
		s = order[i]
		printf "%-22s | %s", s, cell("patched", s)
		if (!nobase) printf " | %s", cell("base", s)
		printf "\n"
	}
	for (i = 1; i <= ns; i++) {
		s = order[i]
		P += cnt["patched", s, "pass"]; F += cnt["patched", s, "fail"]
		X += cnt["patched", s, "xfail"]; S += cnt["patched", s, "skip"]
	}
	for (k in res) {
		split(k, rk, SUBSEP); run = rk[1]; key = rk[2]
		r = res[k]; name = key; sub(/\t/, ": ", name)
		if (run == "patched" && r == "fail") unexp[name] = 1
		if (r == "stale") { stl[run ": " name] = 1; F++ }
		if (run == "patched" && r == "xfail") xf[name] = why[key]
		if (run == "patched" && r == "pass" && !nobase &&
		    (("base", key) in res) && res["base", key] == "fail")
			fixed[name] = 1
		split(key, kk, "\t")	# suite, test
		if (run == "patched" && r == "pass" && !nobase &&
		    !(("base", key) in res) && cnt["base", kk[1], "skip"])
			newonly[name] = 1
	}
	if (nst) {
		printf "\nStress programs (guest/stress_*.c), figures per kernel:\n"
		printf "  %-18s %-8s %6s %10s %10s %6s %7s %s\n", "program", "kernel",
			"secs", "iterations", "mismatches", "errors", "leaked", "dmesg of that boot"
		for (i = 1; i <= nst; i++) {
			sk = sord[i]; split(sk, a, SUBSEP)
			lk = "-"
			if ((sk, "allocated") in fig) lk = fig[sk, "allocated"]
			if ((sk, "leaked_bytes") in fig) lk = fig[sk, "leaked_bytes"]
			d = res[srun[sk], sboot[sk] "\tdmesg clean"]
			printf "  %-18s %-8s %6s %10s %10s %6s %7s %s\n", a[2], a[1],
				fig[sk, "seconds"], fig[sk, "iterations"], fig[sk, "mismatches"],
				fig[sk, "errors"], lk, (d == "pass") ? "clean" : (d == "") ? "-" : "SPLAT"
		}
	}
	out("FAILED (patched run)", unexp)
	out("STALE known-failures entries: these pass now", stl)
	if (X) {
		printf "\nKnown base failures (xfail):\n"
		for (n in xf) printf "  %s -- %s\n", n, xf[n] | "sort"
		close("sort")
	}
	out("Not run: the kernel had oopsed in an earlier suite of the boot", notrun)
	out("Fail on the base, pass with the series", fixed)
	out("Pass with the series, cannot run on the base (suite skipped there)", newonly)
	nb = 0
	while ((getline line < boots) > 0) {
		if (!nb++) printf "\nBoots that failed or were retried (logs beside the results):\n"
		printf "  %s\n", line
	}
	printf "\n%d known base failures are counted as skipped.\n", X
	printf "%d passed, %d failed, %d skipped\n", P, F, S + X
	exit F > 0
}
function out(title, arr,   n, k) {
	for (k in arr) n++
	if (!n) return
	printf "\n%s:\n", title
	for (k in arr) printf "  %s\n", k | "sort"
	close("sort")
}' "$known" "$patched" "$base" "$@"
