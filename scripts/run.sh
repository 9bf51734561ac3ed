#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh NAME KTREE PTREE: build the kernel in KTREE, pack an initramfs
# with the guest programs of PTREE, boot every pmem flavour and collect
# the results in $LOGS/NAME/results.tsv (see tap2tsv.awk).  The host steps
# (build, initramfs, each boot) are results of suite "harness".  Exits
# non-zero only if the run could not produce results at all.
. "$(dirname "$0")/lib.sh"

name=$1 ktree=$2 ptree=$3
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
build()  { "$TOP/scripts/build.sh" "$ktree" "$name"; }
initrd() { "$TOP/scripts/initramfs.sh" "$ktree" "$ptree" "$out/initramfs.cpio.gz"; }
boot()   { "$TOP/scripts/boot.sh" "$ktree" "$out/initramfs.cpio.gz" "$1" "$out"; }

t0=$SECONDS
step build build || exit 0
step initramfs initrd || exit 0
for flavour in legacy nfit; do
	say "[$name] booting $flavour"
	f0=$SECONDS
	step "boot-$flavour" boot "$flavour" || true
	printf 'harness\t#time-%s\t%s\n' "$flavour" $((SECONDS - f0)) >> "$tsv"
	[ -f "$out/results-$flavour.log" ] &&
		awk -f "$TOP/scripts/tap2tsv.awk" "$out/results-$flavour.log" >> "$tsv"
done
k0=$SECONDS
step kunit "$TOP/scripts/kunit.sh" "$ktree" "$name" "$tsv" || true
printf 'kunit\t#time\t%s\n' $((SECONDS - k0)) >> "$tsv"
printf 'harness\t#time\t%s\n' $((SECONDS - t0)) >> "$tsv"
say "[$name] results: $tsv"
