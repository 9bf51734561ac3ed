#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh: base vs patched, side by side.  Builds both kernels with the
# same config, then boots them alternately, base then patched, PAIRS times
# (default 7, at least 5), each boot running guest/suites/bench.sh on both
# boot flavours (legacy: /dev/pmem0, test_hmm; nfit: devdax and a 64 GiB
# sparse NVDIMM for the namespace metrics) and the dmesg check.  Every
# "bench METRIC VALUE UNIT" line of a boot is a sample; bench-report.py
# turns them into the table (per metric: each side's median, the ratio
# patched/base per pair, its median and min-max, the noise) and
# gnuplot into the plot.  A boot with a failed check, a splat or no
# samples stops the run.  Results: $LOGS/bench/ and, copied for the
# README, bench/.  Not part of make check: 11 minutes for 5 pairs, 17 for
# 7, with the kernels built.
. "$(dirname "$0")/lib.sh"

pairs=${PAIRS:-7}
[ "$pairs" -ge 5 ] 2>/dev/null || die "PAIRS=$pairs: need at least 5 pairs"
"$TOP/scripts/deps.sh" gnuplot-nox
"$TOP/scripts/base-tree.sh"
start=$SECONDS

ab_trees

out=$LOGS/bench
rm -rf "$out"
mkdir -p "$out"
samples=$out/samples.tsv
printf 'pair\tside\tflavour\tmetric\tvalue\tunit\n' > "$samples"
ktree() { if [ "$1" = base ]; then echo "$base"; else echo "$series"; fi; }
for side in base patched; do
	ktree=$(ktree $side)
	"$TOP/scripts/build.sh" "$ktree" "$side"
	"$TOP/scripts/initramfs.sh" "$ktree" "$series" "$out/initramfs-$side.cpio.gz"
done

for i in $(seq "$pairs"); do
	for side in base patched; do
		ktree=$(ktree $side)
		dir=$out/$i-$side
		for fl in legacy nfit; do
			say "[bench] pair $i/$pairs, $side, $fl"
			SUITES=bench:$fl,dmesg:$fl NVDIMM_SIZE=65 "$TOP/scripts/boot.sh" \
				"$ktree" "$out/initramfs-$side.cpio.gz" $fl "$dir"
			rm -f "$dir"/nvdimm-*.img "$dir"/nvme-*.img
			log=$dir/results-$fl.log
			if grep -q '^not ok' "$log" || ! grep -q '^bench ' "$log"; then
				grep '^not ok' "$log" >&2 || true
				die "[bench] $side ($fl, pair $i): a check failed or no samples; see $log"
			fi
			awk -v OFS='\t' -v i="$i" -v s=$side -v f=$fl \
				'/^bench / { print i, s, f, $2, $3, $4 }' "$log" >> "$samples"
		done
	done
done

say "[bench] $pairs pairs in $(((SECONDS - start) / 60)) min; report"
python3 "$TOP/scripts/bench-report.py" "$samples" "$out" \
	"$(make -s -C "$series" kernelversion)" "$pairs" $(((SECONDS - start) / 60))
gnuplot "$out/ratios.gp"
mkdir -p "$BASEDIR/bench"
cp "$samples" "$out/results.md" "$out/ratios.png" "$out/ratios.svg" "$BASEDIR/bench/"
cat "$out/results.md"
say "[bench] done in $(((SECONDS - start) / 60)) min; bases/$BASE/bench/results.md, ratios.{png,svg}"
