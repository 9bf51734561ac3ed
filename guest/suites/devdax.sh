# SPDX-License-Identifier: GPL-2.0
# devdax.sh: device-DAX smoke test on a devdax namespace of the NFIT NVDIMM.
. /tap.sh
. /dax-lib.sh
dev=/dev/$(namespace devdax chardev)
t "device $dev" test -c "$dev" || { tap_done; exit 0; }
dax_smoke dev "$dev" 16 /dev/ram0 | sed 's/^/# /'
ok_if "dax_smoke dev" $(cat /tmp/rc)
t "gup_test get-fast" gup_test -f "$dev" -S -m 8 -u
t "gup_test pin-fast" gup_test -f "$dev" -S -m 8 -a
t "gup_test pin-longterm" gup_test -f "$dev" -S -m 8 -L
t "gup_test dump-pages" gup_test -f "$dev" -S -m 8 -ct -F 0x1 0 19 0x1000
# Last: on a kernel whose unbind does not wait, its unbind test leaks a pin.
kst dax_refcount env DAX_DEV="$dev" dax_refcount -f devdax
tap_done
