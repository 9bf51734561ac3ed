#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# boot.sh KTREE INITRD FLAVOUR OUTDIR: boot KTREE's bzImage under QEMU TCG
# with emulated pmem and run that flavour's suites.  The serial console
# goes to OUTDIR/console-FLAVOUR.log, the suites' TAP (second serial port)
# to OUTDIR/results-FLAVOUR.log.  A guest that does not finish within
# BOOT_TIMEOUT seconds is killed and the console tail printed.  A debug
# kernel (CONFIG_KASAN, see config/debug/) boots with panic_on_warn=1 and
# page_poison=1: a splat ends the boot, and the boot fails.
#
#   legacy  memmap=1G!4G gives /dev/pmem0; memmap=512M$2G is the
#           DEVICE_COHERENT memory of test_hmm; an NVMe device with a
#           64 MiB controller memory buffer gives P2PDMA memory
#   nfit    an ACPI NFIT NVDIMM with a label area; the suites create fsdax
#           and devdax namespaces with ndctl
#   stress-ext4, stress-hmm, stress-p2pdma (the legacy machine) and
#   stress-xfs, stress-devdax (the nfit machine)
#           one group of stress programs (guest/suites/stress.sh) and
#           dmesg: a boot each, so that a base kernel that one of them
#           makes oops costs no other suite its run
#
# STRESS_SECS=N runs each stress program for N seconds (default: 30).
# SUITES=a,b:arg replaces the flavour's suites and NVDIMM_SIZE (GiB, default
# 1) sizes the NVDIMM; both for make bench.
. "$(dirname "$0")/lib.sh"

ktree=$1 initrd=$2 flavour=$3 outdir=$4
stress=${STRESS_SECS:-30}	# seconds of each stress program
timeout=${BOOT_TIMEOUT:-$((900 + ${STRESS_SECS:-0}))}
need qemu-system-x86_64 qemu-system-x86
mkdir -p "$outdir"
console=$outdir/console-$flavour.log results=$outdir/results-$flavour.log

case $flavour in
legacy|stress-ext4|stress-hmm|stress-p2pdma)
	nvme=$outdir/nvme-$flavour.img
	rm -f "$nvme"
	truncate -s 16M "$nvme"
	machine=(-machine pc -m 4G
		 -drive file="$nvme",if=none,id=nvm,format=raw
		 -device nvme,serial=p2p0,drive=nvm,cmb_size_mb=64)
	cmdline='memmap=1G!4G memmap=512M$2G hugepages=16'
	# hmm last: after an oops, guest/init runs only dmesg, so a base
	# whose test_hmm oopses loses no other suite.
	suites=gup,fsdax:ext4:pmem,fsdax:xfs:pmem,p2pdma,hmm:never,hmm:always,dmesg:legacy
	;;
nfit|stress-xfs|stress-devdax)
	nvdimm=$outdir/nvdimm-$flavour.img nvsize=${NVDIMM_SIZE:-1}
	rm -f "$nvdimm"			# a fresh, empty label area every boot
	truncate -s "${nvsize}G" "$nvdimm"	# sparse
	machine=(-machine pc,nvdimm=on -m 2G,slots=2,maxmem=$((nvsize + 7))G
		 -object memory-backend-file,id=mem1,share=on,mem-path="$nvdimm",size="${nvsize}G"
		 -device nvdimm,id=nv1,memdev=mem1,label-size=128K)
	cmdline=
	# rebind last: it unbinds the devdax device, and on a base that
	# oopses there only dmesg still runs.
	suites=fsdax:ext4:ns,fsdax:xfs:ns,devdax,hostile,rebind,dmesg:nfit
	;;
*)	die "unknown boot flavour '$flavour' (legacy, nfit, stress-ext4, stress-hmm, stress-p2pdma, stress-xfs, stress-devdax)" ;;
esac
case $flavour in
stress-*) suites=stress:${flavour#stress-}:$stress,dmesg:$flavour ;;
esac
suites=${SUITES:-$suites}
grep -qx CONFIG_KASAN=y "$ktree/.config" && cmdline="$cmdline panic_on_warn=1 page_poison=1"
cmdline="console=ttyS0 panic=-1 brd.rd_size=65536 $cmdline harness.suites=$suites ${BOOT_APPEND:-}"

rm -f "$console" "$results"
qemu-system-x86_64 -accel tcg -cpu max -smp 2 "${machine[@]}" \
	-kernel "$ktree/arch/x86/boot/bzImage" -initrd "$initrd" \
	-append "$cmdline" -display none -monitor none -no-reboot \
	-serial file:"$console" -serial file:"$results" &
qemu=$!

# Report each suite as it ends; kill the guest on timeout, and 60 s after
# its suites are done if it has not powered off by then.
seen=0 start=$SECONDS done=
while kill -0 $qemu 2>/dev/null; do
	sleep 2
	if [ -z "$done" ] && grep -q '^=== done' "$results" 2>/dev/null; then
		done=$SECONDS
	fi
	if [ -n "$done" ] && [ $((SECONDS - done)) -ge 60 ]; then
		kill $qemu; wait $qemu 2>/dev/null
		tail -40 "$console" >&2
		die "guest ($flavour) ran its suites but did not power off within 60 s; console tail above, full log $console"
	fi
	n=$(grep -c '^=== end ' "$results" 2>/dev/null) || true
	if [ "${n:-0}" -gt $seen ]; then
		grep '^=== end ' "$results" | tail -n +$((seen + 1)) |
			while read -r _ _ id t; do say "  $flavour: $id ($t s)"; done
		seen=$n
	fi
	if [ $((SECONDS - start)) -ge "$timeout" ]; then
		kill $qemu; wait $qemu 2>/dev/null
		tail -40 "$console" >&2
		die "guest ($flavour) hung: did not finish within $timeout s; console tail above, full log $console"
	fi
done
wait $qemu || die "QEMU failed (exit $?); see $console"
if ! grep -q '^=== done' "$results"; then
	tail -40 "$console" >&2
	die "guest ($flavour) stopped before finishing its suites; console tail above, full log $console"
fi
