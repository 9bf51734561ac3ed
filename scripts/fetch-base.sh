#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fetch-base.sh DEST [VERSION [PACKAGE SUITE]]: unpack the base's source
# package ($BASE_PKG at VERSION, by default the pinned $BASE_PKG_VERSION,
# from $BASE_SUITE; or PACKAGE from SUITE, for make versions) into DEST, a
# new directory: the kernel tree itself.  The
# .deb is fetched with apt-get download through the harness's private apt
# configuration (papt in lib.sh) and kept in its cache; nothing is
# installed and the machine's apt sources stay as they are.
. "$(dirname "$0")/lib.sh"

dest=$1 ver=${2:-$BASE_PKG_VERSION}
BASE_PKG=${3:-$BASE_PKG} BASE_SUITE=${4:-$BASE_SUITE}
need apt-get apt
need dpkg-deb dpkg
archives=$APT_CACHE/$BASE_SUITE/cache/archives
deb=$archives/${BASE_PKG}_${ver/*:/}_all.deb
if [ ! -s "$deb" ]; then
	offered=$(papt "$BASE_SUITE" "$BASE_ARCHIVE" apt-cache madison "$BASE_PKG" | awk '{ print $3 }')
	if ! echo "$offered" | grep -qxF -- "$ver"; then
		die "$BASE_PKG $ver is not offered by $BASE_SUITE; offered: ${offered:-none}
(pin another in bases/$BASE/base, or use KERNEL_SRC=)"
	fi
	say "downloading $BASE_PKG $ver from $BASE_SUITE"
	(cd "$archives" && papt "$BASE_SUITE" "$BASE_ARCHIVE" apt-get -q download "$BASE_PKG=$ver") \
		> "$BUILD/download.log" 2>&1 || {
		tail "$BUILD/download.log" >&2
		rm -f "$deb"
		die "cannot download $BASE_PKG $ver (log: $BUILD/download.log)"
	}
	[ -s "$deb" ] || die "apt-get download gave no $deb"
fi
mkdir -p "$dest"
say "unpacking $BASE_PKG $ver ($(du -h "$deb" | cut -f1)) into $dest"
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$BASE_PKG.tar.xz" |
	tar -C "$dest" -xJ --strip-components=1 ||
	die "cannot unpack $deb: not a $BASE_PKG package?"
