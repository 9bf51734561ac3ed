// SPDX-License-Identifier: GPL-2.0
/*
 * p2pmem_smoke: allocate PCI P2PDMA memory from user space, as TAP.
 *
 *   p2pmem_smoke ALLOCATE NPROC ITERATIONS
 *   p2pmem_smoke ALLOCATE map BYTES
 *   p2pmem_smoke ALLOCATE inject
 *
 * ALLOCATE is a /sys/bus/pci/devices/.../p2pmem/allocate file.  NPROC
 * processes each mmap() two pages of it, write and check a pattern and
 * munmap() them, ITERATIONS times, concurrently.  Every munmap() frees the
 * pages through free_zone_device_folio() and p2pdma_page_free() while the
 * other processes allocate, so a page handed out again before the free
 * path is done with it shows up as a failed mmap() or a bad pattern.
 *
 * With "map", one mmap() of BYTES, written and checked: exit 0 if that
 * worked, 3 if mmap() failed with ENOMEM, 1 otherwise.
 *
 * With "inject", make vm_insert_page() fail inside the p2pmem mmap(), on
 * the first page and on the second, with fail_page_alloc: the next page
 * allocation of this task fails, and it is the page table that
 * vm_insert_page() needs (a few tries, if another allocation takes the
 * failure first).  The mmap() must fail with ENOMEM; that the
 * pages and the pgmap references were released is checked by the caller
 * (the pool is full again, a mapping of the whole pool works without a
 * warning, and unbinding the device finishes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define LEN	(2 * 4096)

/* mmap() len bytes, write and check a pattern, munmap(): 0, or errno. */
static int map_one(int fd, size_t len, uint64_t v, int id, int i)
{
	volatile uint64_t *p;
	size_t j;
	int err;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		err = errno;	/* before printf() can change it */
		printf("# %d: mmap %d of %zu bytes: %s\n", id, i, len,
		       strerror(err));
		return err ? err : EIO;
	}
	for (j = 0; j < len / 8; j++)
		p[j] = v + j;
	for (j = 0; j < len / 8; j++)
		if (p[j] != v + j) {
			printf("# %d: iteration %d word %zu: %#llx\n", id, i, j,
			       (unsigned long long)p[j]);
			munmap((void *)p, len);
			return EIO;
		}
	munmap((void *)p, len);
	return 0;
}

#define FI	"/sys/kernel/debug/fail_page_alloc"
#define SZ_1G	(1UL << 30)

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * mmap() len bytes of fd at addr with the next page allocation of this
 * task failing.  Return 0 if the mmap() failed with ENOMEM and the
 * injected failure was used up, 2 if the mmap() worked although the
 * failure was used up: some other allocation of this task took it (a
 * __GFP_NOWARN one, such as a debug kernel's stack depot, which prints
 * nothing), and 1 otherwise.
 */
static int map_failing(int fd, int fail_fd, char *addr, size_t len,
		       const char *what)
{
	char times[16] = "";
	int err, tfd;
	void *p;

	if (write_str(FI "/times", "1"))
		return printf("# %s: cannot arm %s\n", what, FI), 1;
	if (pwrite(fail_fd, "1", 1, 0) != 1)
		return printf("# %s: make-it-fail: %s\n", what, strerror(errno)), 1;
	p = mmap(addr, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	err = errno;
	if (pwrite(fail_fd, "0", 1, 0) != 1)
		return printf("# %s: make-it-fail: %s\n", what, strerror(errno)), 1;
	tfd = open(FI "/times", O_RDONLY);
	if (tfd < 0 || read(tfd, times, sizeof(times) - 1) < 0)
		times[0] = '?';
	if (tfd >= 0)
		close(tfd);
	if (p != MAP_FAILED) {
		printf("# %s: mmap() succeeded, times left %s", what, times);
		munmap(p, len);
		return times[0] == '0' ? 2 : 1;
	}
	printf("# %s: mmap(): %s, times left %s", what, strerror(err), times);
	return err != ENOMEM || times[0] != '0';
}

/*
 * A free 2 GiB-aligned range, a new one each call: none of its page tables
 * exist, at least from the PMD table down.
 */
static char *fresh_range(void)
{
	static int next = 1;
	char *base;

	for (; next < 256; next++) {
		char *want = (char *)(0x400000000000UL + next * 2 * SZ_1G);

		base = mmap(want, 2 * SZ_1G, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			    -1, 0);
		if (base == MAP_FAILED)
			continue;
		munmap(base, 2 * SZ_1G);
		next++;
		return base;
	}
	return NULL;
}

#define INJECT_TRIES	8

/*
 * One scenario, in up to INJECT_TRIES fresh ranges, because the failure
 * can go to an allocation other than the page table's (map_failing()
 * returns 2 then).  A kernel that ignores the error of vm_insert_page()
 * succeeds every time and fails the test.
 *
 * first page: no page table at the range yet, so the first
 * vm_insert_page() fails.  second page: an anonymous page in front of
 * the last page of a page table creates that table; the mapping's second
 * page is in the next table, which the second vm_insert_page() fails to
 * allocate.
 */
static int inject_case(int fd, int fail_fd, bool second)
{
	const char *what = second ? "second page" : "first page";
	size_t page = 4096;
	int i, ret = 2;

	for (i = 0; i < INJECT_TRIES && ret == 2; i++) {
		char *addr = fresh_range(), *anon = NULL;

		if (!addr)
			return printf("# no free range\n"), 1;
		if (second) {
			anon = mmap(addr + SZ_1G + SZ_2M - 2 * page, page,
				    PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS |
				    MAP_FIXED_NOREPLACE, -1, 0);
			if (anon == MAP_FAILED)
				return printf("# anon mmap: %s\n",
					      strerror(errno)), 1;
			*anon = 1;
			addr = anon + page;
		}
		ret = map_failing(fd, fail_fd, addr, 2 * page, what);
		if (anon)
			munmap(anon, page);
	}
	return ret != 0;
}

static int inject(const char *path)
{
	int fd = open(path, O_RDWR), fail_fd, ret;

	fail_fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (fd < 0 || fail_fd < 0)
		return printf("# open: %s\n", strerror(errno)), 1;

	/* Warm up the allocations of mmap() itself, away from the ranges. */
	if (map_one(fd, 2 * 4096, 0, 0, 0))
		return 1;

	ret = inject_case(fd, fail_fd, false) ||
	      inject_case(fd, fail_fd, true);
	close(fail_fd);
	close(fd);
	return ret;
}

static int child(const char *path, int id, int iterations)
{
	int fd = open(path, O_RDWR), i, errors = 0;

	if (fd < 0) {
		printf("# %d: open %s: %s\n", id, path, strerror(errno));
		return 1;
	}
	for (i = 0; i < iterations && errors < 5; i++)
		if (map_one(fd, LEN, ((uint64_t)id << 32) | i, id, i))
			errors++;
	close(fd);
	return errors != 0;
}

int main(int argc, char **argv)
{
	int nproc, iterations, i, status, failed = 0;

	if (argc != 4 && !(argc == 3 && !strcmp(argv[2], "inject"))) {
		fprintf(stderr, "usage: %s ALLOCATE NPROC ITERATIONS\n"
			"       %s ALLOCATE map BYTES\n"
			"       %s ALLOCATE inject\n", argv[0], argv[0], argv[0]);
		return 2;
	}
	if (argc == 3 && !strcmp(argv[2], "inject"))
		return inject(argv[1]);
	if (!strcmp(argv[2], "map")) {
		int fd = open(argv[1], O_RDWR);

		if (fd < 0) {
			printf("# open %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		i = map_one(fd, strtoul(argv[3], NULL, 0), 0, 0, 0);
		return i == ENOMEM ? 3 : i != 0;
	}
	nproc = atoi(argv[2]);
	iterations = atoi(argv[3]);
	fflush(stdout);
	for (i = 0; i < nproc; i++)
		if (fork() == 0) {
			int ret = child(argv[1], i, iterations);

			fflush(stdout);
			_exit(ret);
		}
	for (i = 0; i < nproc; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	printf("# %d of %d processes failed\n", failed, nproc);
	return failed != 0;
}
