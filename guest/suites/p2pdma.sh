# SPDX-License-Identifier: GPL-2.0
# p2pdma.sh: P2PDMA memory from the controller memory buffer of QEMU's NVMe
# device, allocated and freed from user space by concurrent processes.
. /tap.sh
alloc=$(ls /sys/bus/pci/devices/*/p2pmem/allocate 2>/dev/null | head -1)
t "p2pmem device" test -n "$alloc" || { tap_done; exit 0; }
echo "# $alloc: $(cat "${alloc%/allocate}/size") bytes"
t "mmap/write/munmap, 4 processes x 5000" p2pmem_smoke "$alloc" 4 5000
t "mmap/write/munmap, 1 process x 200" p2pmem_smoke "$alloc" 1 200
tap_done
