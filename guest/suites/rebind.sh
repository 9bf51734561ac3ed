# SPDX-License-Identifier: GPL-2.0
# rebind.sh: the series' tools/testing/selftests/dax/device_dax_rebind on
# the devdax namespace of the NFIT NVDIMM (the devdax suite made it).  It
# unbinds and binds the device while other processes open and map it.
. /tap.sh
. /dax-lib.sh
dev=$(namespace devdax chardev)
t "device /dev/$dev" test -c "/dev/$dev" || { tap_done; exit 0; }
kst device_dax_rebind env DAX_REBIND_TEST_DEV="$dev" DAX_REBIND_TEST_SECS=5 device_dax_rebind
tap_done
