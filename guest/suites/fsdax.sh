# SPDX-License-Identifier: GPL-2.0
# fsdax.sh FS DEV: filesystem DAX smoke test.  FS is ext4 or xfs; DEV is
# "pmem" (the legacy memmap= region, /dev/pmem0) or "ns" (an fsdax
# namespace created with ndctl on the NFIT NVDIMM).
. /tap.sh
. /dax-lib.sh
fs=$1
case $2 in
pmem)	dev=/dev/pmem0 ;;
ns)	dev=/dev/$(namespace fsdax blockdev) ;;
esac
mnt=/mnt/$fs
mkdir -p $mnt
t "device $dev" test -b "$dev" || { tap_done; exit 0; }
# xfs: a 2 MiB stripe unit gives files 2 MiB aligned extents (PMD faults);
# with it, the 512 MiB namespace needs fewer, larger AGs for a 64 MiB log.
case $fs in
ext4)	t mkfs mkfs.ext4 -F -q -b 4096 "$dev" ;;
xfs)	t mkfs mkfs.xfs -f -q -d su=2m,sw=1,agcount=2 -l size=64m "$dev" ;;
esac
t "mount -o dax" mount -t $fs -o dax "$dev" $mnt || { tap_done; exit 0; }
grep " $mnt " /proc/mounts | sed 's/^/# /'
dax_smoke file $mnt/smoke 16 /dev/ram0 | sed 's/^/# /'
ok_if "dax_smoke file" $(cat /tmp/rc)
# The series' selftests.
for prog in dax_layout dax_refcount; do
	kst $prog env DAX_DIR=$mnt DIO_DEV=/dev/ram0 $prog -F devdax
done
kst dax_break_layout env DAX_TEST_DIR=$mnt dax_break_layout
dd if=/dev/zero of=$mnt/gup bs=1M count=8 2>/dev/null
t "gup_test get-fast" gup_test -f $mnt/gup -S -m 8 -u
t "gup_test pin-fast" gup_test -f $mnt/gup -S -m 8 -a
t "gup_test get-basic" gup_test -f $mnt/gup -S -m 8 -U
t "gup_test pin-basic" gup_test -f $mnt/gup -S -m 8 -b
t "gup_test dump-pages" gup_test -f $mnt/gup -S -m 8 -ct -F 0x1 0 19 0x1000
t umount umount $mnt
tap_done
