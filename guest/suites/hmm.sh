# SPDX-License-Identifier: GPL-2.0
# hmm.sh THP: tools/testing/selftests/mm/hmm-tests with test_hmm loaded and
# transparent hugepages set to THP (never, always).  DEVICE_COHERENT uses
# the memory that the boot reserved with memmap=512M$2G.
if ! grep -q '^test_hmm ' /proc/modules; then
	if ! insmod /lib/test_hmm.ko spm_addr_dev0=0x80000000 spm_addr_dev1=0x90000000; then
		echo "TAP version 13"; echo "not ok 1 insmod test_hmm"; echo "1..1"
		exit 0
	fi
fi
echo "$1" > /sys/kernel/mm/transparent_hugepage/enabled
echo "# THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
hmm-tests
