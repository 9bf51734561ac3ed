# SPDX-License-Identifier: GPL-2.0
# stress.sh WHICH SECS: one group of stress programs, all at once, each
# for SECS seconds, in a boot of its own (scripts/boot.sh: a base kernel
# that one of them makes oops costs the others nothing).  Each program is
# a check; its "stress NAME KEY N" lines (iterations, mismatches, errors,
# leaks: see guest/stress_*.c) pass through unchanged, for the host's
# figures.  Each has a brd ramdisk of its own (/dev/ram1-3) for its
# O_DIRECT copies.
#
#   ext4    (legacy machine) stress_fsdax on ext4 -o dax on /dev/pmem0,
#           PTE and PMD mappings
#   hmm     (legacy) stress_hmm on test_hmm's device private memory
#   p2pdma  (legacy) stress_p2pdma on the NVMe controller memory buffer
#   xfs     (nfit) stress_fsdax on xfs -o dax on an fsdax namespace, PTE
#           and PMD
#   devdax  (nfit) stress_devdax on a devdax namespace, rebound meanwhile
. /tap.sh
. /dax-lib.sh
which=$1 secs=${2:-60}
limit=$((secs + 240))		# a program still running then is stuck
n=0 t0=$(cut -d. -f1 /proc/uptime)

# start NAME CMD...: run CMD in the background, output to /tmp/stress-N.
start() {
	n=$((n + 1))
	echo "$1" > /tmp/stress-$n.name
	shift
	echo "# started: $*"
	( "$@" > /tmp/stress-$n.out 2>&1; rc=$?
	  echo "$(cut -d. -f1 /proc/uptime) $t0" > /tmp/stress-$n.time
	  echo $rc > /tmp/stress-$n.rc ) &
}

# fs_setup FS DEV: mkfs and mount -o dax at /mnt/stress; a 2 MiB stripe
# gives files 2 MiB aligned extents, for PMD faults.
fs_setup() {
	mkdir -p /mnt/stress
	case $1 in
	ext4)	t "mkfs.ext4 $2" mkfs.ext4 -F -q -b 4096 -E stride=512,stripe_width=512 "$2" ;;
	xfs)	t "mkfs.xfs $2" mkfs.xfs -f -q -d su=2m,sw=1,agcount=2 -l size=64m "$2" ;;
	esac && t "mount -o dax" mount -t "$1" -o dax "$2" /mnt/stress
}

fsdax() {	# FS DEV
	if fs_setup "$1" "$2"; then
		mkdir -p /mnt/stress/pte /mnt/stress/pmd
		start "stress_fsdax $1 pte" stress_fsdax -d /dev/ram1 /mnt/stress/pte "$secs" pte
		start "stress_fsdax $1 pmd" stress_fsdax -d /dev/ram2 /mnt/stress/pmd "$secs" pmd
	else
		skip "stress_fsdax $1" "no filesystem"
	fi
}

case $which in
ext4)	fsdax ext4 /dev/pmem0 ;;
hmm)
	grep -q '^test_hmm ' /proc/modules ||
		insmod /lib/test_hmm.ko spm_addr_dev0=0x80000000 spm_addr_dev1=0x90000000
	start "stress_hmm device private" stress_hmm /dev/hmm_dmirror0 "$secs"
	;;
p2pdma)
	p2p=$(ls -d /sys/bus/pci/devices/*/p2pmem 2>/dev/null | head -1)
	start "stress_p2pdma" stress_p2pdma -b /dev/ram3 "${p2p%/p2pmem}" "$secs"
	;;
xfs)	fsdax xfs "/dev/$(namespace fsdax blockdev)" ;;
devdax)
	start "stress_devdax" stress_devdax -b /dev/ram3 "/dev/$(namespace devdax chardev)" "$secs"
	;;
*)	echo "Bail out! stress.sh: unknown stress group '$which'"; exit 0 ;;
esac

# Wait for every program; one still running past the limit fails.
while [ "$(ls /tmp/stress-*.rc 2>/dev/null | wc -l)" -lt $n ]; do
	[ $(($(cut -d. -f1 /proc/uptime) - t0)) -ge $limit ] && break
	sleep 5
done
for i in $(seq $n); do
	name=$(cat /tmp/stress-$i.name)
	sed '/^stress /b; /^#/b; s/^/# /' /tmp/stress-$i.out
	if [ -s /tmp/stress-$i.rc ]; then
		# How long it ran: the figures of the summary.
		awk -v n="$(sed -n 's/^stress \([^ ]*\) iterations .*/\1/p' /tmp/stress-$i.out)" \
			'n != "" { print "stress " n " seconds " $1 - $2 }' /tmp/stress-$i.time
		ok_if "$name" "$(cat /tmp/stress-$i.rc)"
	else
		echo "# $name: still running after $limit s: stuck"
		ok_if "$name" 1
	fi
done
if grep -q " /mnt/stress " /proc/mounts; then
	t "umount" umount /mnt/stress
fi
tap_done
