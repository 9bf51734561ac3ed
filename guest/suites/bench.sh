# SPDX-License-Identifier: GPL-2.0
# bench.sh BOOT: the micro-benchmarks of /bin/bench (guest/bench.c) on the
# memory of boot flavour BOOT.  Every "bench METRIC VALUE UNIT" line goes
# to stdout unchanged, for the host; every run is also a check, so that a
# benchmark that fails is "not ok".  Every command is bounded in time: one
# still running after its limit is killed, and one that even SIGKILL does
# not end (stuck in the kernel) ends this suite, not the guest.
#
#   legacy  ext4 -o dax, then xfs, on /dev/pmem0: gup on a file mapped
#           with PTEs and with PMDs, write faults (pte, pmd), truncate and
#           punch of a faulted file; test_hmm device-private migration;
#           gup on anonymous memory with pmem bound, then unbound
#   nfit    a devdax namespace: gup and PMD faults on it; then, with it
#           destroyed, the time to create and destroy the largest fsdax
#           namespace the region has room for
. /tap.sh
. /dax-lib.sh
exec 3>&1		# the suite's output, for the watchdog

# show FILE: bench lines unchanged, comments as they are, the rest as
# comments.
show() { sed '/^bench /b; /^#/b; s/^/# /' "$1"; }

# watchdog NAME SECS PID: kill PID after SECS seconds; if it is still
# there 10 s later, fail NAME, end the plan and kill the suite.
watchdog() {
	local s
	trap 'kill $s 2>/dev/null; exit 0' TERM
	sleep "$2" &
	s=$!
	wait $s
	kill -0 "$3" 2>/dev/null || exit 0
	echo "# $1: still running after $2 s: killed"
	kill -9 "$3"
	sleep 10 &
	s=$!
	wait $s
	kill -0 "$3" 2>/dev/null || exit 0
	show /tmp/b.out >&3
	echo "not ok $((tap_n + 1)) $1 # unkillable after $2 s, suite abandoned" >&3
	echo "1..$((tap_n + 1))" >&3
	kill -9 $$
}

# bounded NAME SECS CMD...: CMD, killed after SECS seconds.
bounded() {
	local name=$1 secs=$2 pid wd rc
	shift 2
	"$@" &
	pid=$!
	watchdog "$name" "$secs" $pid &
	wd=$!
	wait $pid
	rc=$?
	kill $wd 2>/dev/null
	wait $wd 2>/dev/null
	return $rc
}

# run NAME SECS CMD...: one check NAME, CMD bounded by SECS seconds, its
# output shown.
run() {
	local name=$1 secs=$2 rc
	shift 2
	bounded "$name" "$secs" "$@" > /tmp/b.out 2>&1
	rc=$?
	show /tmp/b.out
	ok_if "$name" $rc
	return $rc
}

# try NAME SECS CMD...: CMD bounded by SECS seconds, its output shown; no
# check.
try() {
	bounded "$@" > /tmp/b.out 2>&1
	show /tmp/b.out
}

# fs_bench FS: the file benchmarks on FS (ext4, xfs) -o dax on /dev/pmem0.
fs_bench() {
	local fs=$1 dev=/dev/pmem0 mnt=/mnt/bench-$1 m
	mkdir -p $mnt
	# xfs: a 2 MiB stripe unit gives 2 MiB aligned extents (PMD faults).
	case $fs in
	ext4)	run "$fs: mkfs" 120 mkfs.ext4 -F -q -b 4096 $dev ;;
	xfs)	run "$fs: mkfs" 120 mkfs.xfs -f -q -d su=2m,sw=1,agcount=2 \
			-l size=64m $dev ;;
	esac || return
	run "$fs: mount -o dax" 60 mount -t $fs -o dax $dev $mnt || return
	for m in pte pmd; do
		run "$fs: gup file $m" 300 \
			bench -t $fs-$m gup file $mnt/gup-$m $m
		try "$fs: rm" 60 rm -f $mnt/gup-$m
		run "$fs: fault $m" 300 \
			bench -t $fs-$m fault $mnt/fault-$m 64M $m
		try "$fs: rm" 60 rm -f $mnt/fault-$m
	done
	run "$fs: truncate" 300 bench -t $fs truncate $mnt 64M
	run "$fs: punch" 300 bench -t $fs punch $mnt 64M
	run "$fs: umount" 60 umount $mnt
}

hmm_bench() {
	if ! grep -q '^test_hmm ' /proc/modules; then
		run "insmod test_hmm" 120 insmod /lib/test_hmm.ko \
			spm_addr_dev0=0x80000000 spm_addr_dev1=0x90000000 ||
			return
	fi
	run "migrate, device private" 300 bench -t private migrate 16M
}

# pmem_off, pmem_on: unbind the namespaces of nd_pmem (the e820 region of
# memmap=, namespace0.0), so that its pgmap is gone, and bind them again.
pmem_off() {
	local drv=/sys/bus/nd/drivers/nd_pmem ns rc
	ls -d $drv/namespace* 2>/dev/null | sed 's,.*/,,' > /tmp/pmem-ns
	sed 's/^/# bound to nd_pmem: /' /tmp/pmem-ns
	try "ndctl disable-namespace all" 60 ndctl disable-namespace all
	for ns in $(cat /tmp/pmem-ns); do
		[ -e $drv/$ns ] || continue
		echo "# ndctl left $ns bound: unbind it through sysfs"
		try "unbind $ns" 60 sh -c "echo $ns > $drv/unbind"
	done
	[ ! -e /dev/pmem0 ]
	rc=$?
	ok_if "/dev/pmem0 gone" $rc
	return $rc
}

pmem_on() {
	local drv=/sys/bus/nd/drivers/nd_pmem ns
	try "ndctl enable-namespace all" 60 ndctl enable-namespace all
	for ns in $(cat /tmp/pmem-ns); do
		[ -e $drv/$ns ] && continue
		echo "# ndctl left $ns unbound: bind it through sysfs"
		try "bind $ns" 60 sh -c "echo $ns > $drv/bind"
	done
	[ -b /dev/pmem0 ]
	ok_if "/dev/pmem0 back" $?
}

legacy() {
	if [ -b /dev/pmem0 ]; then
		fs_bench ext4
		fs_bench xfs
	else
		skip "fsdax benchmarks" "no /dev/pmem0"
	fi
	hmm_bench
	run "gup anon, pmem bound" 300 bench -t anon-pmem gup anon
	if pmem_off; then
		run "gup anon, pmem unbound" 300 bench -t anon-nopmem gup anon
	else
		skip "gup anon, pmem unbound" "pmem still bound"
	fi
	pmem_on
}

# ns_bench: create and destroy the largest fsdax namespace 3 times; the
# medians as ns.create and ns.destroy (ms).  Without a size, ndctl
# create-namespace takes all the space available in the region.
ns_bench() {
	local i m ns avail rc=0
	try "ndctl list -R" 60 ndctl list -R
	avail=$(grep -o '"available_size": *[0-9]*' /tmp/b.out |
		tr -dc '0-9\n' | sort -n | tail -1)
	if [ "${avail:-0}" -lt $((16 << 20)) ]; then
		skip "fsdax namespace create/destroy x3" "region full (${avail:-no} available_size)"
		return
	fi
	: > /tmp/ns.bench
	for i in 1 2 3; do
		bounded "fsdax namespace create" 180 bench -o /tmp/ns-new.json \
			time ns.create ndctl create-namespace -m fsdax \
			>> /tmp/ns.bench 2>&1 || { rc=1; break; }
		cat /tmp/ns-new.json >> /tmp/ns.bench
		ns=$(grep -o '"dev":"[^"]*"' /tmp/ns-new.json | head -1 |
			cut -d'"' -f4)
		[ -n "$ns" ] || { rc=1; break; }
		bounded "fsdax namespace destroy" 180 bench time ns.destroy \
			ndctl destroy-namespace -f "$ns" \
			>> /tmp/ns.bench 2>&1 || { rc=1; break; }
	done
	sed 's/^/# /' /tmp/ns.bench
	if [ $rc = 0 ]; then
		for m in ns.create ns.destroy; do
			grep "^bench $m " /tmp/ns.bench | sort -n -k3 | sed -n 2p
		done
	fi
	ok_if "fsdax namespace create/destroy x3" $rc
}

nfit() {
	local dev ns
	bounded "devdax namespace" 180 namespace devdax chardev \
		> /tmp/chardev 2> /tmp/b.out
	show /tmp/b.out
	dev=/dev/$(cat /tmp/chardev)
	if [ -c "$dev" ]; then
		echo "# devdax namespace: $dev"
		ok_if "devdax namespace" 0
		run "devdax: gup dev" 300 bench -t devdax gup dev "$dev"
		run "devdax: fault pmd" 300 \
			bench -t devdax-pmd fault "$dev" 64M pmd
	else
		ok_if "devdax namespace" 1
	fi
	ns=$(grep -o '"dev":"[^"]*"' /tmp/ns-devdax.json 2>/dev/null |
		head -1 | cut -d'"' -f4)
	if [ -n "$ns" ] &&
	   run "destroy devdax namespace" 120 ndctl destroy-namespace -f "$ns"; then
		rm -f /tmp/ns-devdax.json	# later suites make a new one
		ns_bench
	else
		skip "fsdax namespace create/destroy x3" "devdax namespace not destroyed"
	fi
}

if ! command -v bench > /dev/null; then
	ok_if "bench program" 1
	tap_done
	exit 0
fi
case $1 in
legacy)	legacy ;;
nfit)	nfit ;;
*)	echo "Bail out! bench.sh: boot flavour '$1' is neither legacy nor nfit" ;;
esac
tap_done
