# SPDX-License-Identifier: GPL-2.0
# hmm.sh THP [CASE]: tools/testing/selftests/mm/hmm-tests with test_hmm
# loaded and transparent hugepages set to THP (never, always); with CASE
# (FIXTURE.VARIANT.TEST), only that case.  DEVICE_COHERENT uses the memory
# that the boot reserved with memmap=512M$2G.
#
# hmm-tests prints its own TAP.  If the kernel oopses while it runs, it
# is killed 5 s later, as kst does for the other selftests: the tests
# after an oops only wait out their timeouts on what the oopsed task
# holds.  The test it was in fails under its own name.
if ! grep -q '^test_hmm ' /proc/modules; then
	if ! insmod /lib/test_hmm.ko spm_addr_dev0=0x80000000 spm_addr_dev1=0x90000000; then
		echo "TAP version 13"; echo "not ok 1 insmod test_hmm"; echo "1..1"
		exit 0
	fi
fi
echo "$1" > /sys/kernel/mm/transparent_hugepage/enabled
echo "# THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
oopses() { dmesg | grep -cE 'Oops|BUG:|kernel BUG|general protection fault'; }
oops0=$(oopses)
hmm-tests ${2:+-r "$2"} > /tmp/hmm.out 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
	if [ "$(oopses)" -gt "$oops0" ]; then
		sleep 5
		kill -9 $pid 2>/dev/null && killed=1
		break
	fi
	sleep 1
done
wait $pid
cat /tmp/hmm.out
if [ -n "${killed:-}" ]; then
	echo "# kernel oops: hmm-tests killed, its remaining tests not run"
	sed -n 's/^#  RUN  *\([^ ]*\) \.\.\.$/\1/p' /tmp/hmm.out | while read -r name; do
		grep -qE "^(not )?ok [0-9]+ $name( |\$)" /tmp/hmm.out ||
			echo "not ok 0 $name # did not finish: the kernel oopsed"
	done
fi
