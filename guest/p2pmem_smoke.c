// SPDX-License-Identifier: GPL-2.0
/*
 * p2pmem_smoke: allocate PCI P2PDMA memory from user space, as TAP.
 *
 *   p2pmem_smoke ALLOCATE NPROC ITERATIONS
 *
 * ALLOCATE is a /sys/bus/pci/devices/.../p2pmem/allocate file.  NPROC
 * processes each mmap() two pages of it, write and check a pattern and
 * munmap() them, ITERATIONS times, concurrently.  Every munmap() frees the
 * pages through free_zone_device_folio() and p2pdma_page_free() while the
 * other processes allocate, so a page handed out again before the free
 * path is done with it shows up as a failed mmap() or a bad pattern.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEN	(2 * 4096)

static int child(const char *path, int id, int iterations)
{
	int fd = open(path, O_RDWR), i, errors = 0;

	if (fd < 0) {
		printf("# %d: open %s: %s\n", id, path, strerror(errno));
		return 1;
	}
	for (i = 0; i < iterations && errors < 5; i++) {
		volatile uint64_t *p;
		uint64_t v = ((uint64_t)id << 32) | i;
		unsigned int j;

		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			printf("# %d: mmap %d: %s\n", id, i, strerror(errno));
			errors++;
			continue;
		}
		for (j = 0; j < LEN / 8; j++)
			p[j] = v + j;
		for (j = 0; j < LEN / 8; j++)
			if (p[j] != v + j) {
				printf("# %d: iteration %d word %u: %#llx\n", id, i, j,
				       (unsigned long long)p[j]);
				errors++;
				break;
			}
		munmap((void *)p, LEN);
	}
	close(fd);
	return errors != 0;
}

int main(int argc, char **argv)
{
	int nproc, iterations, i, status, failed = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s ALLOCATE NPROC ITERATIONS\n", argv[0]);
		return 2;
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
