// SPDX-License-Identifier: GPL-2.0
/*
 * bench: micro-benchmarks of the gup, DAX fault, truncate and HMM
 * migration paths, for the guest of the test harness.
 *
 *   bench [OPTIONS] gup anon | gup file PATH [pte|pmd] | gup dev PATH
 *   bench [OPTIONS] fault PATH SIZE [pte|pmd]
 *   bench [OPTIONS] truncate|punch DIR SIZE [pte|pmd]
 *   bench [OPTIONS] migrate SIZE [DEVICE]
 *   bench [-o FILE] time METRIC CMD [ARGS...]
 *
 * Each measurement is one line "bench METRIC VALUE UNIT", the median of
 * ROUNDS timed rounds; every other line starts with "# ".  On an error
 * bench prints why on stderr and exits non-zero (2 for bad usage), and
 * never prints a value it did not measure.  SRC below is the source
 * name, -t NAME; by default anon, file-pte, file-pmd, file or dev (gup,
 * fault), pte or pmd (truncate, punch), private (migrate).  time is a
 * helper for the suites (ndctl create-namespace and the like).
 *
 * Metrics (what each one measures):
 *   gup.SRC.get-fast.get     ns/page  get_user_pages_fast() per page taken
 *   gup.SRC.get-fast.put     ns/page  put_page() per page it took
 *   gup.SRC.pin-fast.get     ns/page  pin_user_pages_fast() per page pinned
 *   gup.SRC.pin-fast.put     ns/page  unpin_user_pages() per page
 *   gup.SRC.get-slow.get     ns/page  get_user_pages() (page walk under
 *                                     mmap_lock) per page taken
 *   gup.SRC.get-slow.put     ns/page  put_page() per page it took
 *   gup.SRC.pin-slow.get     ns/page  pin_user_pages() per page pinned
 *   gup.SRC.pin-slow.put     ns/page  unpin_user_pages() per page
 *   fault.SRC.per-fault      ns/fault mmap + one write fault + munmap,
 *                                     per fault taken
 *   fault.SRC.rate           MiB/s    bytes of mapping made present per
 *                                     second by those faults
 *   truncate.SRC.per-op      us/op    ftruncate(0) of a faulted DAX file
 *   truncate.SRC.per-mib     us/MiB   the same per MiB of file freed
 *   punch.SRC.per-op         us/op    punching the whole faulted DAX file,
 *                                     2 MiB per fallocate(PUNCH_HOLE) call
 *   punch.SRC.per-mib        us/MiB   the same per MiB punched
 *   migrate.SRC.to-dev       ns/page  HMM_DMIRROR_MIGRATE_TO_DEV (migrate
 *                                     to device-private memory, plus the
 *                                     driver's copy back to the caller)
 *   migrate.SRC.to-sys-fault ns/page  CPU read fault that migrates a
 *                                     device-private page back to RAM
 *   migrate.SRC.to-sys-ioctl ns/page  HMM_DMIRROR_MIGRATE_TO_SYS
 *   METRIC (time mode)       ms       wall time of one run of CMD
 *
 * gup times are the kernel's own (get_delta_usec, put_delta_usec of the
 * gup_test ioctl), with FOLL_WRITE as in gup_test; all other times are
 * CLOCK_MONOTONIC around the operation.  pte maps a file 4 KiB off 2 MiB
 * alignment so that only PTEs can map it; pmd maps it 2 MiB aligned and
 * fails if any 2 MiB range was mapped with PTEs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define HMM_DEVICE	"/dev/hmm_dmirror0"
#define PMD		(2UL << 20)
#define MiB		(1UL << 20)
#define MAX_ROUNDS	99
#define ROUND_NS	200000000.0	/* auto repeats: a round is ~0.2 s */
#define MAX_REPEATS	100000
#define FAULT_SLACK	64		/* faults not ours, e.g. the stack */

enum maptype { MT_ANY, MT_PTE, MT_PMD };

static int rounds = 5;
static long repeats;		/* 0: calibrate from a warm-up iteration */
static unsigned long gup_size = 64 * MiB;
static unsigned int gup_batch = 512;
static const char *name;	/* -t */
static const char *outfile;	/* -o */
static int force;		/* -F: allow a file that is not DAX */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
"usage: bench [OPTIONS] MODE ARGS\n"
"  gup anon | gup file PATH [pte|pmd] | gup dev PATH\n"
"                       gup_test get/pin, fast/slow, ns/page (-s, -p)\n"
"  fault PATH SIZE [pte|pmd]\n"
"                       mmap+write fault+munmap of a DAX file or devdax\n"
"                       device (default pte for a file, pmd for a device)\n"
"  truncate DIR SIZE [pte|pmd]\n"
"  punch DIR SIZE [pte|pmd]\n"
"                       ftruncate(0) / punch of a faulted DAX file in DIR\n"
"  migrate SIZE [DEVICE]\n"
"                       test_hmm device-private migration (%s)\n"
"  time METRIC CMD [ARGS...]\n"
"                       wall time of CMD in ms (-o FILE: its stdout)\n"
"options (before MODE):\n"
"  -n ROUNDS   timed rounds, the median is reported (default 5)\n"
"  -r REPEATS  operations per round (default: ~0.2 s per round)\n"
"  -s SIZE     gup: region size (default 64M)\n"
"  -p PAGES    gup: pages per gup call (default 512)\n"
"  -t NAME     source name in the metric names\n"
"  -F          allow a file that is not DAX\n"
"SIZE: bytes, or with a K, M or G suffix; a multiple of 2M.\n",
		HMM_DEVICE);
	exit(2);
}

/* A usage error: the message, then the usage. */
static void __attribute__((noreturn, format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	va_list ap;

	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage();
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void on_sigbus(int sig)
{
	static const char msg[] = "bench: SIGBUS: access to the mapping "
		"failed (beyond the end of the file or device, or the fault "
		"handler failed)\n";

	ssize_t n;

	(void)sig;
	n = write(2, msg, sizeof(msg) - 1);
	(void)n;
	_exit(1);
}

static long nr_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

static unsigned long parse_num(const char *s, const char *what)
{
	unsigned long long v, mult = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	switch (*end) {
	case 'g': case 'G': mult <<= 10;	/* fall through */
	case 'm': case 'M': mult <<= 10;	/* fall through */
	case 'k': case 'K': mult <<= 10; end++; break;
	}
	if (errno || end == s || *end || *s == '-' || v > ULONG_MAX / mult)
		bad("bad %s '%s'", what, s);
	return v * mult;
}

static unsigned long parse_size(const char *s)
{
	unsigned long v = parse_num(s, "size");

	if (!v || v % PMD)
		bad("size '%s' is not a multiple of 2 MiB", s);
	return v;
}

static enum maptype parse_map(const char *s, enum maptype dflt)
{
	if (!s)
		return dflt;
	if (!strcmp(s, "pte"))
		return MT_PTE;
	if (!strcmp(s, "pmd"))
		return MT_PMD;
	bad("'%s' is neither pte nor pmd", s);
	return dflt;
}

static const char *map_str(enum maptype m)
{
	return m == MT_PTE ? "pte" : m == MT_PMD ? "pmd" : "any";
}

/* Operations per round: -r, or enough for ROUND_NS at iter_ns each. */
static long repeats_for(double iter_ns)
{
	double r;

	if (repeats)
		return repeats;
	r = iter_ns > 0 ? ROUND_NS / iter_ns : MAX_REPEATS;
	if (r < 1)
		r = 1;
	if (r > MAX_REPEATS)
		r = MAX_REPEATS;
	return (long)r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Print the median of v[0..rounds) as METRIC, the rounds as a comment. */
static void report(const char *metric, double *v, const char *unit)
{
	double s[MAX_ROUNDS], med;
	int i;

	memcpy(s, v, rounds * sizeof(*v));
	qsort(s, rounds, sizeof(*s), cmp_double);
	med = rounds % 2 ? s[rounds / 2] :
		(s[rounds / 2 - 1] + s[rounds / 2]) / 2;
	printf("# %s rounds:", metric);
	for (i = 0; i < rounds; i++)
		printf(" %.2f", v[i]);
	printf("\nbench %s %.2f %s\n", metric, med, unit);
}

static void report3(const char *mode, const char *src, const char *what,
		    double *v, const char *unit)
{
	char metric[256];

	snprintf(metric, sizeof(metric), "%s.%s.%s", mode, src, what);
	report(metric, v, unit);
}

/* --- mappings ---------------------------------------------------------- */

/*
 * A free address for len bytes: 2 MiB aligned for pmd, 4 KiB past that
 * for pte, NULL (the kernel's choice) otherwise.
 */
static char *pick_addr(unsigned long len, enum maptype m)
{
	unsigned long span = len + 2 * PMD, a;
	void *p;

	if (m == MT_ANY)
		return NULL;
	p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die("mmap of %lu bytes of address space: %s", span,
		    strerror(errno));
	munmap(p, span);
	a = ((unsigned long)p + PMD - 1) & ~(PMD - 1);
	return (char *)(a + (m == MT_PTE ? PAGE : 0));
}

static char *map_shared(int fd, char *addr, unsigned long len,
			const char *what)
{
	int flags = MAP_SHARED | (addr ? MAP_FIXED_NOREPLACE : 0);
	char *p;

	p = mmap(addr, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED)
		die("mmap %s (%lu bytes at %p): %s", what, len, (void *)addr,
		    strerror(errno));
	if (addr && p != addr)
		die("mmap %s: got %p, not %p", what, (void *)p, (void *)addr);
	return p;
}

static void unmap(char *p, unsigned long len)
{
	if (munmap(p, len))
		die("munmap: %s", strerror(errno));
}

/* Write one byte every step bytes. */
static void touch(char *p, unsigned long len, unsigned long step)
{
	unsigned long off;

	for (off = 0; off < len; off += step)
		((volatile char *)p)[off] = 1;
}

/*
 * Write every 4 KiB page of a fresh mapping and check how it was mapped:
 * one fault per 2 MiB means PMDs, one per 4 KiB PTEs.
 */
static void populate(char *p, unsigned long len, enum maptype m,
		     const char *what)
{
	long f = nr_faults(), pmds = len / PMD;

	touch(p, len, PAGE);
	f = nr_faults() - f;
	printf("# %s: %ld faults populating %lu pages (%ld 2 MiB ranges)\n",
	       what, f, len / PAGE, pmds);
	if (m == MT_PMD && f > pmds + FAULT_SLACK)
		die("%s: pmd mapping asked for, but %ld faults for %ld 2 MiB "
		    "ranges: some were mapped with PTEs (blocks not 2 MiB "
		    "aligned, or no PMD fault support)", what, f, pmds);
}

static void check_dax(int fd, const char *path)
{
	static int warned;
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
		die("statx %s: %s", path, strerror(errno));
	if (stx.stx_attributes & STATX_ATTR_DAX)
		return;
	if (!force)
		die("%s is not DAX (STATX_ATTR_DAX clear): mount with -o dax, "
		    "or -F to measure it anyway", path);
	if (!warned++)
		printf("# %s is not DAX (-F)\n", path);
}

/* Open PATH (created if missing) with at least len bytes allocated. */
static int open_file(const char *path, unsigned long len)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	check_dax(fd, path);
	if (fallocate(fd, 0, 0, len))
		die("fallocate %s, %lu bytes: %s", path, len, strerror(errno));
	return fd;
}

/* The size of a char device from sysfs, 0 if unknown. */
static unsigned long long chardev_size(dev_t rdev)
{
	unsigned long long size = 0;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/size",
		 major(rdev), minor(rdev));
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &size) != 1)
		size = 0;
	fclose(f);
	return size;
}

static int open_dev(const char *path, unsigned long len)
{
	unsigned long long size;
	struct stat st;
	int fd = open(path, O_RDWR);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		die("%s is not a character device", path);
	size = chardev_size(st.st_rdev);
	if (size)
		printf("# %s: %llu bytes\n", path, size);
	if (size && len > size)
		die("%s has %llu bytes, fewer than the %lu asked for", path,
		    size, len);
	return fd;
}

static int is_chardev(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISCHR(st.st_mode);
}

/* --- gup ---------------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned long cmd;
} gup_ops[] = {
	{ "get-fast", GUP_FAST_BENCHMARK },
	{ "pin-fast", PIN_FAST_BENCHMARK },
	{ "get-slow", GUP_BASIC_TEST },
	{ "pin-slow", PIN_BASIC_TEST },
};

static int open_gup_test(void)
{
	int fd = open(GUP_TEST_FILE, O_RDWR);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		die("%s: no such file: the kernel needs CONFIG_GUP_TEST=y and "
		    "debugfs mounted on /sys/kernel/debug", GUP_TEST_FILE);
	die("open %s: %s%s", GUP_TEST_FILE, strerror(errno),
	    errno == EACCES ? " (run as root)" : "");
	return -1;
}

/* One gup_test ioctl over the region: add its get and put times. */
static void gup_once(int fd, int op, char *p, unsigned long len,
		     double *get_us, double *put_us)
{
	struct gup_test g = {
		.addr = (unsigned long)p,
		.size = len,
		.nr_pages_per_call = gup_batch,
		.gup_flags = FOLL_WRITE,
	};

	if (ioctl(fd, gup_ops[op].cmd, &g))
		die("gup_test %s ioctl: %s", gup_ops[op].name,
		    strerror(errno));
	if (g.size != len)
		die("gup_test %s got %llu of %lu bytes", gup_ops[op].name,
		    (unsigned long long)g.size, len);
	*get_us += g.get_delta_usec;
	*put_us += g.put_delta_usec;
}

static void gup_report(const char *src, int op, const char *which,
		       double *v)
{
	char metric[256];

	snprintf(metric, sizeof(metric), "gup.%s.%s.%s", src,
		 gup_ops[op].name, which);
	report(metric, v, "ns/page");
}

static void gup_bench(int fd, int op, char *p, unsigned long len,
		      const char *src)
{
	double get[MAX_ROUNDS], put[MAX_ROUNDS], t, g = 0, u = 0;
	double pages = len / PAGE;
	long n, i;
	int r;

	t = now_ns();
	gup_once(fd, op, p, len, &g, &u);
	n = repeats_for(now_ns() - t);
	printf("# gup %s: %lu bytes, %u pages per call, %ld calls per round\n",
	       gup_ops[op].name, len, gup_batch, n);
	for (r = 0; r < rounds; r++) {
		g = u = 0;
		for (i = 0; i < n; i++)
			gup_once(fd, op, p, len, &g, &u);
		get[r] = g * 1000 / (pages * n);
		put[r] = u * 1000 / (pages * n);
	}
	gup_report(src, op, "get", get);
	gup_report(src, op, "put", put);
}

/* The source: its default name in *src, its map type in *m. */
static void gup_args(int argc, char **argv, const char **src,
		     enum maptype *m)
{
	if (argc == 1 && !strcmp(argv[0], "anon")) {
		*m = MT_PTE;
		*src = "anon";
	} else if ((argc == 2 || argc == 3) && !strcmp(argv[0], "file")) {
		*m = parse_map(argv[2], MT_ANY);
		*src = *m == MT_PTE ? "file-pte" : *m == MT_PMD ?
			"file-pmd" : "file";
	} else if (argc == 2 && !strcmp(argv[0], "dev")) {
		*m = MT_PMD;
		*src = "dev";
	} else {
		usage();
	}
	if (name)
		*src = name;
}

static char *gup_anon(unsigned long len)
{
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap %lu bytes anonymous: %s", len, strerror(errno));
	if (madvise(p, len, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
	populate(p, len, MT_PTE, "anon");
	return p;
}

static char *gup_shared(const char *kind, const char *path,
			unsigned long len, enum maptype m)
{
	int dev = !strcmp(kind, "dev");
	int fd = dev ? open_dev(path, len) : open_file(path, len);
	char *p;

	p = map_shared(fd, pick_addr(len, m), len, path);
	close(fd);
	/* A devdax device maps with its own page size: report, no check. */
	populate(p, len, dev ? MT_ANY : m, path);
	return p;
}

static int mode_gup(int argc, char **argv)
{
	const char *src = NULL;
	enum maptype m = MT_ANY;
	int fd, op;
	char *p;

	gup_args(argc, argv, &src, &m);
	fd = open_gup_test();
	if (!strcmp(argv[0], "anon"))
		p = gup_anon(gup_size);
	else
		p = gup_shared(argv[0], argv[1], gup_size, m);
	for (op = 0; op < 4; op++)
		gup_bench(fd, op, p, gup_size, src);
	return 0;
}

/* --- fault -------------------------------------------------------------- */

/* One mmap, a write every step bytes, munmap: its time, faults added. */
static double fault_once(int fd, char *addr, unsigned long len,
			 unsigned long step, const char *path, long *faults)
{
	long f = nr_faults();
	double t = now_ns();
	char *p;

	p = map_shared(fd, addr, len, path);
	touch(p, len, step);
	unmap(p, len);
	t = now_ns() - t;
	*faults += nr_faults() - f;
	return t;
}

static int mode_fault(int argc, char **argv)
{
	double per[MAX_ROUNDS], rate[MAX_ROUNDS], tsum;
	unsigned long len, step;
	const char *path, *src;
	long n, i, f, touches;
	enum maptype m;
	int fd, dev, r;
	char *addr, *p;

	if (argc < 2 || argc > 3)
		usage();
	path = argv[0];
	len = parse_size(argv[1]);
	dev = is_chardev(path);
	m = parse_map(argv[2], dev ? MT_PMD : MT_PTE);
	fd = dev ? open_dev(path, len) : open_file(path, len);
	step = m == MT_PMD ? PMD : PAGE;
	touches = len / step;
	addr = pick_addr(len, m);

	/* Warm-up: first writes allocate/zero blocks; check the mapping. */
	p = map_shared(fd, addr, len, path);
	populate(p, len, m, path);
	unmap(p, len);
	f = 0;
	n = repeats_for(fault_once(fd, addr, len, step, path, &f));
	printf("# fault %s %s: %lu bytes, %ld writes per mapping, "
	       "%ld mappings per round\n", path, map_str(m), len, touches, n);
	for (r = 0; r < rounds; r++) {
		f = 0;
		tsum = 0;
		for (i = 0; i < n; i++)
			tsum += fault_once(fd, addr, len, step, path, &f);
		if (f <= 0)
			die("no fault counted for %ld writes to fresh mappings",
			    touches * n);
		if (labs(f - touches * n) > FAULT_SLACK)
			printf("# round %d: %ld faults for %ld writes\n", r,
			       f, touches * n);
		per[r] = tsum / f;
		rate[r] = (double)len * n / MiB / (tsum / 1e9);
	}
	close(fd);
	src = name ? name : dev ? "dev" : m == MT_PMD ? "file-pmd" :
		"file-pte";
	report3("fault", src, "per-fault", per, "ns/fault");
	report3("fault", src, "rate", rate, "MiB/s");
	return 0;
}

/* --- truncate, punch ---------------------------------------------------- */

static double punch_all(int fd, unsigned long len, const char *path)
{
	unsigned long off;
	double t = now_ns();

	for (off = 0; off < len; off += PMD)
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      off, PMD))
			die("fallocate(PUNCH_HOLE) %s at %lu: %s", path, off,
			    strerror(errno));
	return now_ns() - t;
}

static double truncate_all(int fd, const char *path)
{
	double t = now_ns();

	if (ftruncate(fd, 0))
		die("ftruncate %s: %s", path, strerror(errno));
	return now_ns() - t;
}

/*
 * Create the file, fault all of it in through a mapping, munmap, then
 * empty it: the time of the emptying.  *wall: of the whole iteration.
 */
static double empty_once(const char *path, unsigned long len, int punch,
			 enum maptype m, double *wall)
{
	double t0 = now_ns(), t;
	char *p;
	int fd;

	if (unlink(path) && errno != ENOENT)
		die("unlink %s: %s", path, strerror(errno));
	fd = open_file(path, len);
	p = map_shared(fd, pick_addr(len, m), len, path);
	touch(p, len, PAGE);
	unmap(p, len);
	t = punch ? punch_all(fd, len, path) : truncate_all(fd, path);
	close(fd);
	*wall = now_ns() - t0;
	return t;
}

static int mode_empty(int argc, char **argv, int punch)
{
	double op[MAX_ROUNDS], mib[MAX_ROUNDS], t, wall;
	const char *mode = punch ? "punch" : "truncate";
	char path[4096];
	unsigned long len;
	enum maptype m;
	long n, i;
	int r;

	if (argc < 2 || argc > 3)
		usage();
	len = parse_size(argv[1]);
	m = parse_map(argv[2], MT_PTE);
	snprintf(path, sizeof(path), "%s/bench-%s.tmp", argv[0], mode);
	empty_once(path, len, punch, m, &wall);
	n = repeats_for(wall);
	printf("# %s %s %s: %lu bytes, %ld files per round\n", mode, path,
	       map_str(m), len, n);
	for (r = 0; r < rounds; r++) {
		t = 0;
		for (i = 0; i < n; i++)
			t += empty_once(path, len, punch, m, &wall);
		op[r] = t / n / 1000;
		mib[r] = t / n / 1000 / ((double)len / MiB);
	}
	unlink(path);
	report3(mode, name ? name : map_str(m), "per-op", op, "us/op");
	report3(mode, name ? name : map_str(m), "per-mib", mib, "us/MiB");
	return 0;
}

/* --- migrate ------------------------------------------------------------ */

struct mig {
	int fd;
	uint64_t *buf;		/* the anonymous buffer migrated */
	void *mirror;		/* MIGRATE_TO_DEV copies the data here */
	unsigned long len, npages;
	double to_dev, fault, to_sys;	/* ns, summed */
};

static void hmm_ioctl(struct mig *g, unsigned long req, const char *what)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (unsigned long)g->buf,
		.ptr = (unsigned long)g->mirror,
		.npages = g->npages,
	};
	int ret;

	do
		ret = ioctl(g->fd, req, &cmd);
	while (ret && errno == EINTR);
	if (ret)
		die("%s ioctl: %s%s", what, strerror(errno), errno == ENOENT ?
		    " (a page is not in the device's page table: it did not "
		    "migrate)" : "");
	if (cmd.cpages != g->npages)
		die("%s: %llu of %lu pages migrated", what,
		    (unsigned long long)cmd.cpages, g->npages);
}

/* Read the first word of every page: each faults its page back to RAM. */
static void read_back(struct mig *g, uint64_t seed)
{
	volatile uint64_t *w = g->buf;
	unsigned long i, stride = PAGE / sizeof(*w);

	for (i = 0; i < g->npages; i++)
		if (w[i * stride] != seed + i)
			die("page %lu reads %#llx after migration, not %#llx",
			    i, (unsigned long long)w[i * stride],
			    (unsigned long long)(seed + i));
}

static void mig_once(struct mig *g, uint64_t seed)
{
	unsigned long i, stride = PAGE / sizeof(*g->buf);
	double t;

	for (i = 0; i < g->npages; i++)
		g->buf[i * stride] = seed + i;
	t = now_ns();
	hmm_ioctl(g, HMM_DMIRROR_MIGRATE_TO_DEV, "HMM_DMIRROR_MIGRATE_TO_DEV");
	g->to_dev += now_ns() - t;
	t = now_ns();
	read_back(g, seed);
	g->fault += now_ns() - t;
	hmm_ioctl(g, HMM_DMIRROR_MIGRATE_TO_DEV, "HMM_DMIRROR_MIGRATE_TO_DEV");
	t = now_ns();
	hmm_ioctl(g, HMM_DMIRROR_MIGRATE_TO_SYS, "HMM_DMIRROR_MIGRATE_TO_SYS");
	g->to_sys += now_ns() - t;
	read_back(g, seed);
}

static void mig_setup(struct mig *g, const char *dev, unsigned long len)
{
	g->fd = open(dev, O_RDWR);
	if (g->fd < 0)
		die("open %s: %s%s", dev, strerror(errno), errno == ENOENT ?
		    " (insmod test_hmm.ko first)" : "");
	g->len = len;
	g->npages = len / PAGE;
	g->buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->buf == MAP_FAILED)
		die("mmap %lu bytes anonymous: %s", len, strerror(errno));
	if (madvise(g->buf, len, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
	g->mirror = malloc(len);
	if (!g->mirror)
		die("malloc %lu bytes: out of memory", len);
}

static int mode_migrate(int argc, char **argv)
{
	double dev[MAX_ROUNDS], flt[MAX_ROUNDS], sys[MAX_ROUNDS], t;
	const char *src = name ? name : "private";
	struct mig g = { 0 };
	uint64_t seed = 1;
	long n, i;
	int r;

	if (argc < 1 || argc > 2)
		usage();
	mig_setup(&g, argc > 1 ? argv[1] : HMM_DEVICE, parse_size(argv[0]));
	t = now_ns();
	mig_once(&g, seed++ << 32);
	n = repeats_for(now_ns() - t);
	printf("# migrate %lu pages, %ld times per round\n", g.npages, n);
	for (r = 0; r < rounds; r++) {
		g.to_dev = g.fault = g.to_sys = 0;
		for (i = 0; i < n; i++)
			mig_once(&g, seed++ << 32);
		dev[r] = g.to_dev / (g.npages * n);
		flt[r] = g.fault / (g.npages * n);
		sys[r] = g.to_sys / (g.npages * n);
	}
	report3("migrate", src, "to-dev", dev, "ns/page");
	report3("migrate", src, "to-sys-fault", flt, "ns/page");
	report3("migrate", src, "to-sys-ioctl", sys, "ns/page");
	return 0;
}

/* --- time --------------------------------------------------------------- */

static int mode_time(int argc, char **argv)
{
	int status, fd;
	double t;
	pid_t pid;

	if (argc < 2)
		usage();
	fflush(stdout);
	t = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		if (outfile) {
			fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || dup2(fd, 1) < 0)
				die("%s: %s", outfile, strerror(errno));
		}
		execvp(argv[1], argv + 1);
		fprintf(stderr, "bench: exec %s: %s\n", argv[1],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	t = now_ns() - t;
	if (WIFSIGNALED(status))
		die("%s killed by signal %d", argv[1], WTERMSIG(status));
	if (WEXITSTATUS(status))
		die("%s failed with exit status %d", argv[1],
		    WEXITSTATUS(status));
	printf("bench %s %.2f ms\n", argv[0], t / 1e6);
	return 0;
}

/* A number option in [min, max]. */
static unsigned long opt_num(const char *what, unsigned long min,
			     unsigned long max)
{
	unsigned long v = parse_num(optarg, what);

	if (v < min || v > max)
		bad("%s: %lu to %lu", what, min, max);
	return v;
}

static void options(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "+n:r:s:p:t:o:F")) != -1) {
		switch (opt) {
		case 'n':
			rounds = opt_num("-n rounds", 1, MAX_ROUNDS);
			break;
		case 'r':
			repeats = opt_num("-r repeats", 1, MAX_REPEATS);
			break;
		case 's':
			gup_size = parse_size(optarg);
			break;
		case 'p':
			gup_batch = opt_num("-p pages per call", 1, 1 << 20);
			break;
		case 't':
			name = optarg;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'F':
			force = 1;
			break;
		default:
			usage();
		}
	}
}

int main(int argc, char **argv)
{
	const char *mode;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGBUS, on_sigbus);
	options(argc, argv);
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	mode = argv[0];
	argc--;
	argv++;
	if (!strcmp(mode, "gup"))
		return mode_gup(argc, argv);
	if (!strcmp(mode, "fault"))
		return mode_fault(argc, argv);
	if (!strcmp(mode, "truncate"))
		return mode_empty(argc, argv, 0);
	if (!strcmp(mode, "punch"))
		return mode_empty(argc, argv, 1);
	if (!strcmp(mode, "migrate"))
		return mode_migrate(argc, argv);
	if (!strcmp(mode, "time"))
		return mode_time(argc, argv);
	bad("unknown mode '%s'", mode);
	return 2;
}
