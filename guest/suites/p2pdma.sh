# SPDX-License-Identifier: GPL-2.0
# p2pdma.sh: P2PDMA memory from the controller memory buffer of QEMU's NVMe
# device, allocated and freed from user space by concurrent processes,
# then torn down by unbinding the NVMe driver.
. /tap.sh
alloc=$(ls /sys/bus/pci/devices/*/p2pmem/allocate 2>/dev/null | head -1)
t "p2pmem device" test -n "$alloc" || { tap_done; exit 0; }
echo "# $alloc: $(cat "${alloc%/allocate}/size") bytes"
dev=${alloc%/p2pmem/allocate}
avail=$(cat "$dev/p2pmem/available")
echo "# available: $avail bytes"
t "mmap/write/munmap, 4 processes x 5000" p2pmem_smoke "$alloc" 4 5000
t "mmap/write/munmap, 1 process x 200" p2pmem_smoke "$alloc" 1 200
fi=/sys/kernel/debug/fail_page_alloc
if [ -d $fi ]; then
	# Only page allocations of a task with make-it-fail set fail, from
	# order 0 up, including those that may sleep; "times" is armed by
	# p2pmem_smoke for each attempt.
	echo 0 > $fi/min-order; echo N > $fi/ignore-gfp-wait
	echo N > $fi/ignore-gfp-highmem; echo Y > $fi/task-filter
	echo 100 > $fi/probability; echo 0 > $fi/times; echo 1 > $fi/verbose
	t "vm_insert_page() failing on the first and on a later page" \
		p2pmem_smoke "$alloc" inject
	echo 0 > $fi/probability
else
	skip "vm_insert_page() failing on the first and on a later page" "no CONFIG_FAIL_PAGE_ALLOC"
fi
t "mmap/write/munmap of the whole pool" p2pmem_smoke "$alloc" map "$avail"
p2pmem_smoke "$alloc" map $((avail + 4096)) > /tmp/t.out 2>&1
rc=$?
sed 's/^/# /' /tmp/t.out
[ $rc = 3 ]; ok_if "mmap of more than the pool fails with ENOMEM" $?
now=$(cat "$dev/p2pmem/available")
echo "# available: $now bytes"
[ "$now" = "$avail" ]; ok_if "every page back in the pool" $?

# Unbinding the NVMe driver tears the pgmap down: memunmap_pages() waits
# for every pgmap reference, so a reference leaked by the mmap paths
# above hangs it.
rm -f /tmp/unbind.rc
(echo "${dev##*/}" > "$dev/driver/unbind"; echo $? > /tmp/unbind.rc) &
i=0
while [ ! -s /tmp/unbind.rc ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
if [ -s /tmp/unbind.rc ]; then
	ok_if "unbind of the NVMe device finishes" "$(cat /tmp/unbind.rc)"
else
	echo "# unbind still waiting after 60 s"
	ok_if "unbind of the NVMe device finishes" 1
fi
tap_done
