#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# initramfs.sh KTREE PTREE OUT: build the guest programs (from PTREE, the
# series tree: hmm-tests, gup_test and the series' own selftests, in mm/
# and dax/; and guest/*.c, the harness's smoke, bench and stress
# programs; all static),
# take test_hmm.ko from KTREE (the kernel under test) and pack them with
# busybox, mkfs.ext4, mkfs.xfs, ndctl and daxctl into OUT.
. "$(dirname "$0")/lib.sh"

ktree=$1 ptree=$2 out=$3
need busybox busybox-static
need cpio cpio
need mkfs.xfs xfsprogs
need mke2fs e2fsprogs
need ndctl ndctl
need daxctl daxctl
need depmod kmod
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || die "static libc missing: apt-get install libc6-dev"

progs=$BUILD/progs
stage=$out.d
mkdir -p "$progs/mm"
# The selftests the guest runs; the series adds some of them, so an
# earlier patch (make bisect) may not have them yet.
sel=(hmm-tests gup_test)
for t in dax_layout dax_refcount; do
	if [ -f "$ptree/tools/testing/selftests/mm/$t.c" ]; then sel+=("$t"); fi
done
rm -f "${sel[@]/#/$progs/mm/}"
# The series' selftests outside mm/ (DIR/PROG), each if the tree has it.
other=()
for t in dax/device_dax_rebind dax/dax_break_layout vfio/vfio_dma_mapping_pin_test; do
	if [ -f "$ptree/tools/testing/selftests/$t.c" ]; then other+=("$t"); fi
done
rm -f "${other[@]/#/$progs/}"
say "building guest programs from $ptree"
(
	make -C "$ptree" headers_install INSTALL_HDR_PATH="$progs/hdr" &&
	make -C "$ptree/tools/testing/selftests/mm" OUTPUT="$progs/mm" \
		KHDR_INCLUDES="-isystem $progs/hdr/include" LDFLAGS=-static \
		"${sel[@]/#/$progs/mm/}" || exit
	for t in "${other[@]}"; do
		mkdir -p "$progs/$(dirname "$t")"
		make -C "$ptree/tools/testing/selftests/$(dirname "$t")" \
			OUTPUT="$progs/$(dirname "$t")" \
			KHDR_INCLUDES="-isystem $progs/hdr/include" LDFLAGS=-static \
			"$progs/$t" || exit
	done
	for c in "$TOP"/guest/*.c; do	# the harness's own: smoke, bench, stress
		gcc -static -O2 -Wall -Wextra -Werror -pthread \
			-o "$progs/$(basename "$c" .c)" "$c" || exit
	done
) > "$LOGS/progs.log" 2>&1 || {
	tail -20 "$LOGS/progs.log"
	die "building the guest programs failed, see $LOGS/progs.log"
}

rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,lib,etc,proc,sys,dev,tmp,mnt,run}
cp /bin/busybox "$stage/bin/"
for a in $(/bin/busybox --list); do
	[ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
done
cp "${sel[@]/#/$progs/mm/}" "${other[@]/#/$progs/}" "$stage/bin/"
for c in "$TOP"/guest/*.c; do cp "$progs/$(basename "$c" .c)" "$stage/bin/"; done
cp "$ktree/lib/test_hmm.ko" "$stage/lib/"
# ndctl and daxctl ask libkmod for the drivers they bind (device_dax,
# kmem, ...): tell it which ones are built in.
rel=$(make -s -C "$ktree" kernelrelease)
mkdir -p "$stage/lib/modules/$rel"
cp "$ktree"/modules.builtin "$ktree"/modules.builtin.modinfo "$ktree"/modules.order \
	"$stage/lib/modules/$rel/"
depmod -b "$stage" "$rel"
cp "$TOP"/guest/init "$TOP"/guest/*.sh "$stage/"
cp -r "$TOP/guest/suites" "$stage/"
cp /etc/mke2fs.conf "$stage/etc/"
# Dynamically linked host tools, with the libraries ldd names.
for p in $(command -v mke2fs mkfs.xfs ndctl daxctl); do
	cp -L --remove-destination "$p" "$stage/bin/"
	ldd "$p" | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$stage/$(dirname "$lib")"
		cp -Ln "$lib" "$stage/$lib"
	done
done
ln -sf mke2fs "$stage/bin/mkfs.ext4"
chmod +x "$stage/init"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
say "initramfs $out: $(du -h "$out" | cut -f1)"
