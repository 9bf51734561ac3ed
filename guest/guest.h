/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.h: code shared by the C programs of the test harness's guest
 * (bench, stress_fsdax, stress_hmm, stress_devdax, stress_p2pdma,
 * dax_smoke, p2pmem_smoke).
 *
 * Each program is built alone from its one source file,
 *   gcc -static -O2 -Wall -Wextra -Werror -pthread -o OUT guest/NAME.c
 * so this is not a library: everything here is a macro, a struct, or a
 * static function (inline, or __maybe_unused) that a program may use or
 * not.  It holds:
 *   - the uapi of gup_test (mm/gup_test.h) and of test_hmm
 *     (lib/test_hmm_uapi.h, with HMM_DMIRROR_COUNTERS of this series);
 *   - CLOCK_MONOTONIC clocks, and a sleep that goes on after a signal;
 *   - for the stress programs made of processes: "# ..." lines written
 *     in one write(), complaints counted and rate-limited to the first
 *     MAX_MSGS, the page of counters shared with the children, a
 *     xorshift generator, the data pattern, waiting for a child with a
 *     timeout, the check of the O_DIRECT bounce device and small parsers.
 *
 * Define _GNU_SOURCE before the first #include of the program.
 */
#ifndef GUEST_H
#define GUEST_H

#ifndef _GNU_SOURCE
#error "guest.h: define _GNU_SOURCE before the first #include"
#endif

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define __maybe_unused		__attribute__((unused))

#define PAGE			4096UL
#define SZ_2M			(2UL << 20)
#define GOLDEN			0x9e3779b97f4a7c15ULL	/* 2^64 / phi */
#define MAX_MSGS		20	/* complaints shown as "# ..." lines */
#define STUCK_SLACK		120	/* s past SECONDS: "# stuck: ..." */

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX		0x00200000
#endif

/* --- gup_test: from mm/gup_test.h ------------------------------------- */

struct gup_test {
	uint64_t get_delta_usec;
	uint64_t put_delta_usec;
	uint64_t addr;
	uint64_t size;
	uint32_t nr_pages_per_call;
	uint32_t gup_flags;
	uint32_t test_flags;
	uint32_t which_pages[8];
};

struct pin_longterm_test {
	uint64_t addr;
	uint64_t size;
	uint32_t flags;
};

#define GUP_FAST_BENCHMARK	_IOWR('g', 1, struct gup_test)
#define PIN_FAST_BENCHMARK	_IOWR('g', 2, struct gup_test)
#define PIN_LONGTERM_BENCHMARK	_IOWR('g', 3, struct gup_test)
#define GUP_BASIC_TEST		_IOWR('g', 4, struct gup_test)
#define PIN_BASIC_TEST		_IOWR('g', 5, struct gup_test)
#define PIN_LONGTERM_TEST_START	_IOW('g', 7, struct pin_longterm_test)
#define PIN_LONGTERM_TEST_STOP	_IO('g', 8)
#define PIN_LONGTERM_TEST_READ	_IOW('g', 9, uint64_t)
#define PIN_LONGTERM_TEST_FLAG_USE_WRITE	1
#define PIN_LONGTERM_TEST_FLAG_USE_FAST		2
#define FOLL_WRITE		0x01
#define GUP_TEST_FILE		"/sys/kernel/debug/gup_test"

/*
 * The gup_test ioctls that get or pin a range and release it again, with
 * their names for messages.  The long-term pin is last: the first four
 * are those that a fsdax mapping allows.
 */
static const struct {
	const char *name;
	unsigned long cmd;
} gup_cmds[] __maybe_unused = {
	{ "GUP_FAST_BENCHMARK", GUP_FAST_BENCHMARK },
	{ "PIN_FAST_BENCHMARK", PIN_FAST_BENCHMARK },
	{ "GUP_BASIC_TEST", GUP_BASIC_TEST },
	{ "PIN_BASIC_TEST", PIN_BASIC_TEST },
	{ "PIN_LONGTERM_BENCHMARK", PIN_LONGTERM_BENCHMARK },
};

/* --- test_hmm: from lib/test_hmm_uapi.h ------------------------------- */

struct hmm_dmirror_cmd {
	uint64_t addr;
	uint64_t ptr;
	uint64_t npages;
	uint64_t cpages;
	uint64_t faults;
};

struct hmm_dmirror_counters {
	uint64_t total;
	uint64_t free;
	uint64_t free_busy;
	uint64_t allocated;
	uint64_t nr_alloc;
	uint64_t nr_free;
	uint64_t bad_alloc;
	uint64_t bad_free;
};

#define HMM_DMIRROR_READ		_IOWR('H', 0x00, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_DEV	_IOWR('H', 0x02, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_SYS	_IOWR('H', 0x03, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_COUNTERS \
	_IOR('H', 0x10, struct hmm_dmirror_counters)

/* --- clocks ----------------------------------------------------------- */

/* CLOCK_MONOTONIC in seconds, milliseconds, nanoseconds. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Sleep us microseconds, the whole time even if a signal comes. */
static inline void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --- output and counters of the stress programs ----------------------- */

/* One line on stdout in one write(), whatever the processes around. */
static __maybe_unused void __attribute__((format(printf, 1, 2)))
out(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) < 0)
		return;
}

/*
 * Count one more in *ctr and say why in a "# ..." line, for the first
 * MAX_MSGS complaints counted in *msgs (both in memory shared by all the
 * processes).  A program wraps it as complain(ctr, fmt, ...).
 */
static __maybe_unused void __attribute__((format(printf, 3, 4)))
complain_to(int *msgs, long *ctr, const char *fmt, ...)
{
	char buf[400];
	va_list ap;
	int n;

	__atomic_add_fetch(ctr, 1, __ATOMIC_SEQ_CST);
	n = __atomic_fetch_add(msgs, 1, __ATOMIC_SEQ_CST);
	if (n > MAX_MSGS)
		return;
	if (n == MAX_MSGS) {
		out("# (further errors not shown)");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out("# %s", buf);
}

/* Zeroed memory shared with the children forked later, or NULL. */
static inline void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Marsaglia's xorshift64 (13, 7, 17): the next value of *s, not 0. */
static inline uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* --- the data pattern of stress_devdax and stress_p2pdma -------------- */

/* Word i of the pattern of seed. */
static inline uint64_t pattern_word(uint64_t seed, unsigned long i)
{
	return (seed + i + 1) * GOLDEN ^ (seed >> 17);
}

static inline void pattern_fill(volatile uint64_t *p, unsigned long len,
				uint64_t seed)
{
	unsigned long i;

	for (i = 0; i < len / 8; i++)
		p[i] = pattern_word(seed, i);
}

/* The byte offset of the first word that differs (in *got), or -1. */
static inline long pattern_differs(const volatile uint64_t *p,
				   unsigned long len, uint64_t seed,
				   uint64_t *got)
{
	unsigned long i;

	for (i = 0; i < len / 8; i++)
		if (p[i] != pattern_word(seed, i)) {
			*got = p[i];
			return i * 8;
		}
	return -1;
}

/* --- files and processes ---------------------------------------------- */

/* A number from a sysfs file: 0, or -1 if it cannot be read. */
static __maybe_unused int read_ulong(const char *path, unsigned long *v)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	*v = strtoul(buf, NULL, 0);
	return 0;
}

/* Wait for pid up to ms: 0 and *status, or -1 if it is still running. */
static __maybe_unused int wait_timeout(pid_t pid, long ms, int *status)
{
	long long end = now_ms() + ms;
	long step = 200;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR) {
			*status = 0;	/* not our child any more */
			return 0;
		}
		if (now_ms() >= end)
			return -1;
		sleep_us(step);
		if (step < 10000)
			step *= 2;
	}
}

/*
 * The O_DIRECT bounce device of a stress program: 1 if path opens
 * O_DIRECT and has at least need bytes, else 0 after a "# ..." line.
 */
static __maybe_unused int bounce_usable(const char *path, uint64_t need)
{
	uint64_t size = 0;
	struct stat st;
	int fd;

	fd = open(path, O_RDWR | O_DIRECT);
	if (fd >= 0 && !fstat(fd, &st)) {
		if (!S_ISBLK(st.st_mode))
			size = st.st_size;
		else if (ioctl(fd, BLKGETSIZE64, &size))
			size = 0;
	}
	if (size < need)
		out("# %s: %s: no O_DIRECT pins", path,
		    fd < 0 ? strerror(errno) : "too small");
	if (fd >= 0)
		close(fd);
	return size >= need;
}

/* A decimal number in [min, max] into *v: 0, or 1 if s is not one. */
static inline int number(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || end == s || *end || *v < min || *v > max;
}

#endif /* GUEST_H */
