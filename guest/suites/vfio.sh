# SPDX-License-Identifier: GPL-2.0
# vfio.sh: the series' tools/testing/selftests/vfio/vfio_dma_mapping_pin_test
# on the QEMU pci-testdev (1b36:0005) behind the emulated Intel IOMMU, bound
# to vfio-pci, with anonymous memory and the devdax namespace of the NFIT
# NVDIMM (the devdax suite made it): a DMA mapping must unpin every page
# it pinned, device-dax pages included.
. /tap.sh
. /dax-lib.sh
bdf=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1b36:0x0005 ] && bdf=${d##*/} && break
done
t "pci-testdev behind an IOMMU" test -n "$bdf" -a -e "/sys/bus/pci/devices/$bdf/iommu_group" ||
	{ tap_done; exit 0; }
t "bind $bdf to vfio-pci" sh -c "echo vfio-pci > /sys/bus/pci/devices/$bdf/driver_override &&
	echo $bdf > /sys/bus/pci/drivers_probe && test -e /sys/bus/pci/drivers/vfio-pci/$bdf" ||
	{ tap_done; exit 0; }
dev=$(namespace devdax chardev)
t "device /dev/$dev" test -c "/dev/$dev" || { tap_done; exit 0; }
kst vfio_dma_mapping_pin_test env VFIO_SELFTESTS_BDF="$bdf" VFIO_SELFTESTS_DAX_DEV="/dev/$dev" \
	vfio_dma_mapping_pin_test
tap_done
