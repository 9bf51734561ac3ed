#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# boot.sh KTREE INITRD FLAVOUR OUTDIR: boot KTREE's bzImage under QEMU TCG
# with emulated pmem and run that flavour's suites.  The serial console
# goes to OUTDIR/console-FLAVOUR.log, the suites' TAP (second serial port)
# to OUTDIR/results-FLAVOUR.log.  A guest that does not finish within
# BOOT_TIMEOUT seconds is killed and the console tail printed; a failed
# boot's reason and console tail are kept in OUTDIR/boot-FLAVOUR.err for
# the summary.  A guest that dies before it starts its first suite (QEMU
# could not run it, or the kernel did not reach /init) is booted once
# more; OUTDIR/retried-FLAVOUR says why, and the summary lists it.  A debug
# kernel (CONFIG_KASAN, see config/debug/) boots with panic_on_warn=1 and
# page_poison=1: a splat ends the boot, and the boot fails.
#
#   legacy  memmap=1G!4G gives /dev/pmem0; memmap=512M$2G is the
#           DEVICE_COHERENT memory of test_hmm; an NVMe device with a
#           64 MiB controller memory buffer gives P2PDMA memory
#   nfit    an ACPI NFIT NVDIMM with a label area; the suites create fsdax
#           and devdax namespaces with ndctl.  A q35 machine, for the
#           emulated Intel IOMMU and the pci-testdev that the vfio suite
#           binds to vfio-pci
#   stress-ext4, stress-hmm, stress-p2pdma (the legacy machine) and
#   stress-xfs, stress-devdax (the nfit machine)
#           one group of stress programs (guest/suites/stress.sh) and
#           dmesg: a boot each, so that a base kernel that one of them
#           makes oops costs no other suite its run
#   hmm-evict  the legacy machine, for the one hmm-tests case that oopses
#           the base in test_hmm's eviction (migrate_release_nomem):
#           in the hmm suites, the base oopses earlier and never gets to it
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
# The NVDIMM is a sparse file that fills as the guest writes it; QEMU
# dies of SIGBUS (a guest that stops mid-suite) if the disk fills first.
free=$(df -Pk "$outdir" | awk 'NR == 2 { print int($4 / 1048576) }')
[ "$free" -ge 2 ] || die "only ${free} GiB free on the disk of $outdir: the guest's NVDIMM and logs need 2 GiB"
console=$outdir/console-$flavour.log results=$outdir/results-$flavour.log

case $flavour in
legacy|stress-ext4|stress-hmm|stress-p2pdma|hmm-evict)
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
	machine=(-machine q35,nvdimm=on -m 2G,slots=2,maxmem=$((nvsize + 7))G
		 -device intel-iommu,intremap=off -device pci-testdev
		 -object memory-backend-file,id=mem1,share=on,mem-path="$nvdimm",size="${nvsize}G"
		 -device nvdimm,id=nv1,memdev=mem1,label-size=128K)
	# No interrupt remapping on this IOMMU: vfio refuses it unless allowed.
	cmdline="intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1 iommufd.allow_unsafe_interrupts=1"
	# rebind last: it unbinds the devdax device, and on a base that
	# oopses there only dmesg still runs.
	suites=fsdax:ext4:ns,fsdax:xfs:ns,devdax,vfio,hostile,rebind,dmesg:nfit
	;;
*)	die "unknown boot flavour '$flavour' (legacy, nfit, stress-ext4, stress-hmm, stress-p2pdma, stress-xfs, stress-devdax, hmm-evict)" ;;
esac
case $flavour in
stress-*) suites=stress:${flavour#stress-}:$stress,dmesg:$flavour ;;
hmm-evict) suites=hmm:always:hmm.hmm_device_private.migrate_release_nomem,dmesg:$flavour ;;
esac
suites=${SUITES:-$suites}
grep -qx CONFIG_KASAN=y "$ktree/.config" && cmdline="$cmdline panic_on_warn=1 page_poison=1"
cmdline="console=ttyS0 panic=-1 brd.rd_size=65536 $cmdline harness.suites=$suites ${BOOT_APPEND:-}"

# fail MSG: the boot failed.  The reason and the console tail go to
# stderr and to OUTDIR/boot-FLAVOUR.err, which the summary prints.
fail() {
	{ echo "boot $flavour: $1"
	  grep -m3 -E 'Kernel panic|BUG:|Oops|WARNING:|Call Trace' "$console" 2>/dev/null | sed 's/^/  first: /' || true
	  echo "console tail:"; tail -12 "$console" 2>/dev/null | sed 's/^/  | /' || true; } > "$err"
	tail -40 "$console" >&2 || true
	die "$1; console tail above, full log $console"
}

# attempt: one boot.  Returns 2 if the guest died before it started its
# first suite (QEMU could not run it, or it failed at boot): only that
# is retried, once; a failure in a suite never is.
attempt() {
	rm -f "$console" "$results"
	qemu-system-x86_64 -accel tcg -cpu max -smp 2 "${machine[@]}" \
		-kernel "$ktree/arch/x86/boot/bzImage" -initrd "$initrd" \
		-append "$cmdline" -display none -monitor none -no-reboot \
		-serial file:"$console" -serial file:"$results" 2> "$outdir/qemu-$flavour.log" &
	qemu=$!

	# Report each suite as it ends; kill the guest on timeout, and 60 s
	# after its suites are done if it has not powered off by then.
	local seen=0 start=$SECONDS done= n rc=0
	while kill -0 $qemu 2>/dev/null; do
		sleep 2
		if [ -z "$done" ] && grep -q '^=== done' "$results" 2>/dev/null; then
			done=$SECONDS
		fi
		if [ -n "$done" ] && [ $((SECONDS - done)) -ge 60 ]; then
			kill $qemu; wait $qemu 2>/dev/null
			fail "guest ($flavour) ran its suites but did not power off within 60 s"
		fi
		n=$(grep -c '^=== end ' "$results" 2>/dev/null) || true
		if [ "${n:-0}" -gt $seen ]; then
			grep '^=== end ' "$results" | tail -n +$((seen + 1)) |
				while read -r _ _ id t; do say "  $flavour: $id ($t s)"; done
			seen=$n
		fi
		if [ $((SECONDS - start)) -ge "$timeout" ]; then
			kill $qemu; wait $qemu 2>/dev/null
			fail "guest ($flavour) hung: did not finish within $timeout s"
		fi
	done
	wait $qemu || rc=$?
	grep -q '^=== done' "$results" 2>/dev/null && [ $rc -eq 0 ] && return 0
	grep -q '^=== suite ' "$results" 2>/dev/null || return 2
	[ $rc -eq 0 ] || fail "QEMU failed (exit $rc): $(tail -1 "$outdir/qemu-$flavour.log")"
	fail "guest ($flavour) stopped before finishing its suites"
}

err=$outdir/boot-$flavour.err
rm -f "$err" "$outdir/retried-$flavour"
rc=0
attempt || rc=$?
if [ $rc -eq 2 ]; then
	# Keep the first attempt's logs, and say so in the summary.
	cp "$console" "$outdir/console-$flavour.try1.log" 2>/dev/null || true
	cp "$outdir/qemu-$flavour.log" "$outdir/qemu-$flavour.try1.log"
	why="the guest died before its first suite (QEMU said: $(tail -1 "$outdir/qemu-$flavour.log" | grep . || echo nothing))"
	why="$why; console: $(grep -m1 -E 'Kernel panic|BUG:|Oops' "$console" 2>/dev/null | tr -d '\r' || tail -1 "$console" 2>/dev/null || true)"
	echo "boot $flavour retried: $why; first attempt's console: console-$flavour.try1.log" > "$outdir/retried-$flavour"
	say "  $flavour: $why; booting once more"
	case $flavour in nfit|stress-xfs|stress-devdax) rm -f "$nvdimm"; truncate -s "${nvsize}G" "$nvdimm" ;; esac
	rc=0
	attempt || rc=$?
	[ $rc -ne 2 ] || fail "guest ($flavour) died before its first suite, twice"
fi
