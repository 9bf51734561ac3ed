# SPDX-License-Identifier: GPL-2.0
# hostile.sh: impossible namespace and device-dax configurations, asked of
# ndctl, daxctl and their sysfs files on the NFIT NVDIMM.  Each must be
# refused with an error, and must leave what exists as it was: the
# namespaces and dax devices listed before are listed after, unchanged.
# The dmesg suite after this one checks that nothing splatted.
. /tap.sh
. /dax-lib.sh

# refused NAME CMD...: CMD must fail; its message is shown.
refused() {
	local name=$1 rc
	shift
	"$@" > /tmp/h.out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/h.out
	if [ $rc -eq 0 ]; then
		echo "# accepted: $*"
		ok_if "refused: $name" 1
	else
		echo "# $name: exit $rc: $( (grep -i -m1 -e error -e failed -e 'not supported' \
			-e 'write error' -e "can't" /tmp/h.out || grep -v '^$' /tmp/h.out) | head -1)"
		ok_if "refused: $name" 0
	fi
}

# dax_refused NAME CMD...: refused, for a daxctl command on $dev.  When
# daxctl fails to reconfigure a device, it leaves it disabled: that is
# the tool's choice, not a loss, so enable the device again (and say so).
dax_refused() {
	refused "$@"
	if [ ! -e "/sys/bus/dax/drivers/device_dax/$dev" ]; then
		echo "# daxctl left $dev disabled: daxctl enable-device $dev"
		daxctl enable-device "$dev" 2>&1 | sed 's/^/# /'
		[ -e "/sys/bus/dax/drivers/device_dax/$dev" ] ||
			echo "$dev" > /sys/bus/dax/drivers/device_dax/bind
	fi
}

# sysfs_refused NAME FILE VALUE: writing VALUE to FILE must fail.
sysfs_refused() {
	refused "$1" sh -c "echo '$3' > '$2'"
}

state() {	# what must survive: namespaces, dax devices, their sizes
	{ ndctl list -N; daxctl list; } 2>&1 |
		grep -E '"(dev|mode|size|chardev|blockdev|align)"'
}

# Make sure a devdax and an fsdax namespace exist (the suites before this
# one made them; alone, this suite makes them).
dev=$(namespace devdax chardev)
blk=$(namespace fsdax blockdev)
t "namespaces to protect: $dev, $blk" test -c "/dev/$dev" -a -b "/dev/$blk" ||
	{ tap_done; exit 0; }
state > /tmp/before
sed 's/^/# before: /' /tmp/before

refused "namespace bigger than the region" ndctl create-namespace -s 1T
refused "namespace size not a multiple of 4K" ndctl create-namespace -m raw -s 4097
refused "devdax alignment 3M" ndctl create-namespace -m devdax -s 32M -a 3M
refused "devdax alignment 1G, larger than the size" ndctl create-namespace -m devdax -s 32M -a 1G
refused "fsdax with map=mem and alignment 5M" ndctl create-namespace -m fsdax -M mem -s 32M -a 5M
refused "sector mode with a 3-byte sector" ndctl create-namespace -m sector -s 32M -l 3
refused "unknown mode" ndctl create-namespace -m bogus -s 32M
refused "destroy a namespace that does not exist" ndctl destroy-namespace -f namespace9.9
refused "reconfigure a namespace that does not exist" ndctl create-namespace -e namespace9.9 -m devdax -f
dax_refused "daxctl: device that does not exist" daxctl reconfigure-device -m devdax dax9.9
dax_refused "daxctl: device larger than its region" daxctl reconfigure-device -s 1T "$dev"
dax_refused "daxctl: create a device in a static region" daxctl create-device -s 2M

seed=$(cat /sys/bus/nd/devices/region0/namespace_seed 2>/dev/null)
if [ -n "$seed" ]; then
	sysfs_refused "namespace size 'abc' in sysfs" "/sys/bus/nd/devices/$seed/size" abc
	sysfs_refused "namespace size 1 TiB in sysfs" "/sys/bus/nd/devices/$seed/size" 1099511627776
	sysfs_refused "namespace size -1 in sysfs" "/sys/bus/nd/devices/$seed/size" -1
else
	skip "namespace seed sysfs writes" "no namespace seed in region0"
fi
sysfs_refused "device-dax align 3M in sysfs" "/sys/bus/dax/devices/$dev/align" 3145728
sysfs_refused "device-dax size 'abc' in sysfs" "/sys/bus/dax/devices/$dev/size" abc
sysfs_refused "bind a device-dax that does not exist" /sys/bus/dax/drivers/device_dax/bind dax9.9
sysfs_refused "unbind a device-dax that is not bound" /sys/bus/dax/drivers/device_dax/unbind dax9.9

state > /tmp/after
if cmp -s /tmp/before /tmp/after; then
	ok_if "namespaces and dax devices unchanged" 0
else
	diff /tmp/before /tmp/after | sed 's/^/# /'
	ok_if "namespaces and dax devices unchanged" 1
fi
t "the devdax device still works" /bin/dax_smoke dev "/dev/$dev" 4 /dev/ram0
tap_done
