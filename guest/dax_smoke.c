// SPDX-License-Identifier: GPL-2.0
/*
 * dax_smoke: data-integrity smoke test of a DAX mapping, printed as TAP.
 *
 *   dax_smoke file PATH MB BOUNCE   a file on a filesystem mounted -o dax
 *   dax_smoke dev PATH MB BOUNCE    a device-DAX character device
 *
 * BOUNCE is a block device (a brd ramdisk) for O_DIRECT I/O whose user
 * buffer is the DAX mapping itself, so that the block layer pins DAX pages
 * with gup (read from and write into them).  Exit status: 0 if every check
 * passed, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#define MB (1UL << 20)

static int nr, failed;
static char why[256];

static void report(int ok, const char *name)
{
	printf("%sok %d %s%s%s\n", ok ? "" : "not ", ++nr, name,
	       ok ? "" : " # ", ok ? "" : why);
	failed |= !ok;
	why[0] = 0;
}

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return 0;
}

static uint64_t word(unsigned long off, uint64_t seed)
{
	return (off / 8 + 1) * GOLDEN ^ seed;
}

static void fill(void *p, unsigned long off, unsigned long len, uint64_t seed)
{
	uint64_t *w = p;
	unsigned long i;

	for (i = 0; i < len / 8; i++)
		w[i] = seed ? word(off + i * 8, seed) : 0;
}

/* Compare: seed 0 means zeroes.  Returns 1 if equal. */
static int same(const void *p, unsigned long off, unsigned long len,
		uint64_t seed, const char *what)
{
	const uint64_t *w = p;
	unsigned long i;

	for (i = 0; i < len / 8; i++) {
		uint64_t want = seed ? word(off + i * 8, seed) : 0;

		if (w[i] != want)
			return fail("%s: offset %#lx has %#llx, want %#llx", what,
				    off + i * 8, (unsigned long long)w[i],
				    (unsigned long long)want);
	}
	return 1;
}

static int io(int fd, void *buf, unsigned long len, off_t off, int wr)
{
	ssize_t n = wr ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);

	if (n != (ssize_t)len)
		return fail("%s %lu bytes at %#llx: %s", wr ? "pwrite" : "pread",
			    len, (long long)off, n < 0 ? strerror(errno) : "short");
	return 1;
}

/*
 * O_DIRECT both ways between the DAX mapping and BOUNCE: the mapping is
 * the user buffer, so the block layer pins its pages.
 */
static void direct_io(char *map, unsigned long len, const char *bounce,
		      char *tmp, unsigned long dlen)
{
	int ok, bfd = open(bounce, O_RDWR | O_DIRECT);

	if (bfd < 0) {
		fail("open %s: %s", bounce, strerror(errno));
		report(0, "O_DIRECT write from DAX pages (gup read)");
		report(0, "O_DIRECT read into DAX pages (gup write)");
		return;
	}
	ok = io(bfd, map, dlen, 0, 1) && io(bfd, tmp, dlen, 0, 0) &&
	     same(tmp, 0, dlen, 0x5eed2, "bounce copy");
	report(ok, "O_DIRECT write from DAX pages (gup read)");

	fill(tmp, 0, dlen, 0x5eed3);
	ok = io(bfd, tmp, dlen, 0, 1) && io(bfd, map, dlen, 0, 0) &&
	     same(map, 0, dlen, 0x5eed3, "DAX mapping after O_DIRECT read");
	report(ok, "O_DIRECT read into DAX pages (gup write)");
	close(bfd);
	(void)len;
}

static void test_dev(const char *path, unsigned long len, const char *bounce,
		     char *tmp)
{
	int fd = open(path, O_RDWR);
	char *map;

	report(fd >= 0 || fail("open: %s", strerror(errno)), "open device");
	if (fd < 0)
		return;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	report(map != MAP_FAILED || fail("mmap: %s", strerror(errno)), "mmap");
	if (map == MAP_FAILED)
		return;
	fill(map, 0, len, 0x5eed2);
	report(same(map, 0, len, 0x5eed2, "mapping"), "write and read back");
	direct_io(map, len, bounce, tmp, len);
	munmap(map, len);
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	report(map != MAP_FAILED &&
	       same(map, 0, len, 0x5eed3, "second mapping"),
	       "data persists across munmap/mmap");
	close(fd);
}

static void test_file(const char *path, unsigned long len, const char *bounce,
		      char *tmp)
{
	unsigned long q = len / 4, i;
	struct statx stx;
	char *map;
	int fd, ok;

	unlink(path);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	ok = fd >= 0 || fail("open: %s", strerror(errno));
	for (i = 0; ok && i < len; i += MB) {
		fill(tmp, i, MB, 0x5eed1);
		ok = io(fd, tmp, MB, i, 1);
	}
	report(ok && (fsync(fd) == 0 || fail("fsync: %s", strerror(errno))),
	       "create and write");
	if (!ok)
		return;

	ok = statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0 ||
	     fail("statx: %s", strerror(errno));
	report(ok && ((stx.stx_attributes & STATX_ATTR_DAX) ||
		      fail("STATX_ATTR_DAX not set")), "file is DAX");

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	report(map != MAP_FAILED || fail("mmap: %s", strerror(errno)), "mmap");
	if (map == MAP_FAILED)
		return;
	report(same(map, 0, len, 0x5eed1, "mapping"), "read() data seen in mapping");

	fill(map, 0, len, 0x5eed2);
	ok = msync(map, len, MS_SYNC) == 0 || fail("msync: %s", strerror(errno));
	for (i = 0; ok && i < len; i += MB)
		ok = io(fd, tmp, MB, i, 0) && same(tmp, i, MB, 0x5eed2, "pread");
	report(ok, "mapping writes seen by read()");

	direct_io(map, len, bounce, tmp, q);

	/* Punch the second quarter: zeroes there, the rest intact. */
	ok = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, q, q) == 0 ||
	     fail("fallocate: %s", strerror(errno));
	report(ok && same(map, 0, q, 0x5eed3, "first quarter") &&
	       same(map + q, q, q, 0, "hole") &&
	       same(map + 2 * q, 2 * q, 2 * q, 0x5eed2, "second half"),
	       "punch hole");

	/* Truncate to half, then extend again: the new half reads zero. */
	munmap(map, len);
	ok = ftruncate(fd, 2 * q) == 0 || fail("ftruncate: %s", strerror(errno));
	ok = ok && (ftruncate(fd, len) == 0 || fail("extend: %s", strerror(errno)));
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok = ok && (map != MAP_FAILED || fail("mmap: %s", strerror(errno)));
	report(ok && same(map, 0, q, 0x5eed3, "first quarter") &&
	       same(map + q, q, q, 0, "hole") &&
	       same(map + 2 * q, 2 * q, 2 * q, 0, "truncated half"),
	       "truncate and extend");
	if (map != MAP_FAILED) {
		fill(map + 2 * q, 2 * q, 2 * q, 0x5eed4);
		report(same(map + 2 * q, 2 * q, 2 * q, 0x5eed4, "refilled half"),
		       "write into re-extended range");
		munmap(map, len);
	}
	close(fd);
	report(unlink(path) == 0 || fail("unlink: %s", strerror(errno)), "unlink");
}

int main(int argc, char **argv)
{
	unsigned long len;
	char *tmp;

	if (argc != 5 || (strcmp(argv[1], "file") && strcmp(argv[1], "dev"))) {
		fprintf(stderr, "usage: %s file|dev PATH MB BOUNCE\n", argv[0]);
		return 2;
	}
	len = strtoul(argv[3], NULL, 0) * MB;
	tmp = aligned_alloc(MB, len);
	if (!len || !tmp) {
		fprintf(stderr, "bad size %s\n", argv[3]);
		return 2;
	}
	printf("TAP version 13\n");
	if (!strcmp(argv[1], "file"))
		test_file(argv[2], len, argv[4], tmp);
	else
		test_dev(argv[2], len, argv[4], tmp);
	printf("1..%d\n", nr);
	return failed;
}
