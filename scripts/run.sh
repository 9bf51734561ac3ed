#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh NAME [KTREE PTREE [debug]]: build the kernel in KTREE, pack an
# initramfs with the guest programs of PTREE, boot every pmem flavour and
# collect the results in $LOGS/NAME/results.tsv (see tap2tsv.awk).  debug:
# the debug kernel, with config/debug/kernel.config on top (for the build
# and for KUnit); boot.sh boots it with panic_on_warn=1.  The host steps
# (build, initramfs, each boot) are results of suite "harness".  Exits
# non-zero only if the run could not produce results at all.  With NAME
# alone (make test-tree): the developer tree as kernel and programs, and
# the summary of the run at the end.
. "$(dirname "$0")/lib.sh"

name=$1 ktree=${2:-$TREE} ptree=${3:-$TREE} frags=()
[ "${4:-}" = debug ] && frags=("$TOP/config/debug/kernel.config")
out=$LOGS/$name
rm -rf "$out"
mkdir -p "$out"
tsv=$out/results.tsv
: > "$tsv"

step() {	# TEST CMD...: run a host step, record it as TEST
	local test=$1 rc=0
	shift
	"$@" || rc=$?
	printf 'harness\t%s\t%s\n' "$test" "$([ $rc -eq 0 ] && echo pass || echo fail)" >> "$tsv"
	return $rc
}
build()  { "$TOP/scripts/build.sh" "$ktree" "$name" "${frags[@]}"; }
initrd() { "$TOP/scripts/initramfs.sh" "$ktree" "$ptree" "$out/initramfs.cpio.gz"; }
boot()   { "$TOP/scripts/boot.sh" "$ktree" "$out/initramfs.cpio.gz" "$1" "$out"; }

t0=$SECONDS
step build build || exit 0
step initramfs initrd || exit 0
flavour() {	# FLAVOUR: boot it; its results to $out/FLAVOUR.tsv
	local f=$1 f0=$SECONDS
	say "[$name] booting $f"
	tsv=$out/$f.tsv step "boot-$f" boot "$f" || true
	printf 'harness\t#time-%s\t%s\n' "$f" $((SECONDS - f0)) >> "$out/$f.tsv"
	if [ -f "$out/results-$f.log" ]; then
		awk -f "$TOP/scripts/tap2tsv.awk" "$out/results-$f.log" >> "$out/$f.tsv"
	fi
}
# make stress (STRESS_ONLY=1) boots only the stress flavours, all at
# once (PARALLEL_BOOTS=1: the stress programs run for a time, not for a
# number of iterations).
stress="stress-ext4 stress-hmm stress-p2pdma stress-xfs stress-devdax"
flavours="legacy nfit hmm-evict $stress"
[ -z "${STRESS_ONLY:-}" ] || flavours=$stress
if [ -n "${PARALLEL_BOOTS:-}" ]; then
	for f in $flavours; do flavour "$f" & done; wait
else
	for f in $flavours; do flavour "$f"; done
fi
for f in $flavours; do cat "$out/$f.tsv" >> "$tsv"; done
k0=$SECONDS
step kunit "$TOP/scripts/kunit.sh" "$ktree" "$name" "$tsv" "${frags[@]}" || true
printf 'kunit\t#time\t%s\n' $((SECONDS - k0)) >> "$tsv"
printf 'harness\t#time\t%s\n' $((SECONDS - t0)) >> "$tsv"
say "[$name] results: $tsv"
[ -n "${2:-}" ] || exec "$TOP/scripts/report.sh" "$tsv"
