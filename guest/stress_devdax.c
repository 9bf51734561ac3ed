// SPDX-License-Identifier: GPL-2.0
/*
 * stress_devdax: unbind and rebind the device-DAX driver of a device again
 * and again while other processes map, pin and release its pages.
 *
 *   stress_devdax [-i MAXITER] [-p NPROC] [-b BOUNCE] [-t MS] [-n] [-H]
 *                 DAXDEV SECONDS
 *
 * DAXDEV is a device-DAX character device (/dev/dax0.0) bound to the
 * device_dax driver.  For SECONDS (and at most MAXITER mapper iterations
 * in all, if given) NPROC mapper processes (default 3, at most 32) loop:
 * open DAXDEV, mmap() a random window of 1 to 4 alignment units (2 MiB,
 * or the device's align if larger) at an aligned address, close the fd,
 * write a pattern unique to (pid, iteration) into 1 to 16 pages of a
 * 64 KiB chunk that only this mapper writes (chunk number modulo NPROC),
 * then pin those pages with one of: a gup_test ioctl (get/pin, fast/slow,
 * longterm), a long-term pin held 0-5 ms and read back through the kernel
 * (PIN_LONGTERM_TEST_*, mapper 0 only: that state is global), vmsplice()
 * into a pipe held 0-5 ms then drained and checked, O_DIRECT write to
 * BOUNCE (default /dev/ram0, "-" for none; bytes [0, 2 MiB), 64 KiB per
 * mapper) read back and checked, sometimes O_DIRECT read back into the
 * mapping; or no pin; then verify the mapping and munmap() it.
 *
 * The parent unbinds the device from device_dax (sysfs unbind), sleeps
 * 0-50 ms, binds it again (sysfs bind, retried every 10 ms for up to 10 s
 * while it fails with EBUSY), and leaves it bound 0-100 ms; every 5th
 * cycle it uses "daxctl disable-device"/"daxctl enable-device" instead if
 * /bin/daxctl exists (falling back to sysfs, counted as daxctl_failures,
 * if daxctl did not do it).  Every unbind and bind runs in a child
 * process, so that one that never returns is seen: an unbind must return
 * within 60 s (-t MS to change that).
 *
 * A shared binding generation is made odd before each unbind and even
 * after each bind.  A mapper checks data only when the generation was
 * even and unchanged from before its open() to after its verification,
 * i.e. the device stayed bound.  SIGBUS on the mapping (caught with
 * sigsetjmp), EFAULT or short pins from syscalls, ENXIO/ENODEV/ENOENT from
 * open() and ENXIO/ENODEV from mmap() are expected_errors when the device
 * was (being) unbound, and errors when it stayed bound.
 *
 * At the end the device is bound again if it is not, the mappers are
 * reaped, and the device must still work: open, mmap, write and read a
 * page; else "# device unusable after the stress: ..." and an error.
 *
 * -n is a dry run for testing this program without a device: a 64 MiB
 * memfd stands for DAXDEV, "unbind" truncates it to 0 (the mappings take
 * SIGBUS), "bind" extends it again and fails with EBUSY a quarter of the
 * time, and the daxctl cycles run a shell that does nothing.  -H (with -n)
 * makes "unbind" hang, to test the timeout.
 *
 * Output: "# ..." lines, then
 *   stress devdax iterations N        mapper iterations
 *   stress devdax mismatches N        data verification failures
 *   stress devdax errors N            unexpected errors
 *   stress devdax expected_errors N   faults while the device was unbound
 *   stress devdax checked N           iterations whose data was verified
 *   stress devdax unchecked N         iterations that overlapped an unbind
 *   stress devdax rebinds N           unbind+bind cycles done
 *   stress devdax bind_busy N         binds that failed with EBUSY
 *   stress devdax daxctl_cycles N     cycles done with daxctl
 *   stress devdax daxctl_failures N   daxctl runs that did not do the job
 *   stress devdax unbind_max_ms N     the longest unbind
 *
 * Exit status: 0 if there was no mismatch and no error, 1 otherwise, 2 on
 * bad usage, 4 if DAXDEV or the device_dax driver is missing, DAXDEV is
 * bound to another driver (kmem) or this is not run as root (skip).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define NAME		"devdax"
#define CHUNK		(64UL << 10)	/* a mapper's unit of ownership */
#define MAX_NPROC	32		/* CHUNK * MAX_NPROC == SZ_2M */
#define BIND_BUSY_MS	10000
#define BIND_TIMEOUT_MS	60000
#define KILL_WAIT_MS	5000
#define MAPPER_WAIT_MS	30000
#define PROGRESS_MS	30000
#define DRY_SIZE	(64UL << 20)
#define DAXCTL		"/bin/daxctl"
#define DRV		"/sys/bus/dax/drivers/device_dax"

/* Return codes of run_child() and run_cmd() besides the exit status. */
#define RC_TIMEOUT	-1
#define RC_FORK		-2

enum { OP_NONE, OP_GUP, OP_HOLD, OP_VMSPLICE, OP_DIRECT, NR_OPS };

static const char *const op_names[NR_OPS] = {
	"none", "gup_test", "longterm-hold", "vmsplice", "O_DIRECT",
};

/* Shared by all processes (MAP_SHARED anonymous). */
struct shared {
	uint64_t gen;		/* binding generation: odd while unbound */
	int stop;
	int running;		/* mappers still looping */
	int msgs;
	int dry_bound;
	long claimed;		/* iteration numbers handed out */
	long iterations, mismatches, errors, expected, checked, unchecked;
	long rebinds, bind_busy, daxctl_cycles, daxctl_failures;
	long unbind_max_ms;
	long ops[NR_OPS];
};

static struct shared *sh;
static const char *devpath;
static char devname[NAME_MAX + 1];
static char sysdir[PATH_MAX];
static unsigned long devsize, granule;
static int nproc = 3, dry, hang, seconds;
static long maxiter, unbind_timeout_ms = 60000;
static long long deadline;
static const char *bounce = "/dev/ram0";
static int have_bounce, have_gup, have_daxctl;
static int memfd = -1;
static char dry_path[64];
static const char *volatile phase = "start";
static pid_t stuck_pid;
static volatile pid_t cur_child;	/* the unbind/bind/daxctl child */
static char stuck_what[128];
static uint64_t rng;

/* --- utilities ---------------------------------------------------------- */

/* Count one more in *ctr and say why, for the first MAX_MSGS reports. */
#define complain(ctr, ...)	complain_to(&sh->msgs, ctr, __VA_ARGS__)

static long add(long *ctr, long v)
{
	return __atomic_add_fetch(ctr, v, __ATOMIC_SEQ_CST);
}

static uint64_t rnd(void)
{
	return xorshift64(&rng);
}

static void seed_rnd(void)
{
	rng = (uint64_t)getpid() * GOLDEN ^ now_ms() ^ 1;
}

static uint64_t gen_load(void)
{
	return __atomic_load_n(&sh->gen, __ATOMIC_SEQ_CST);
}

static void gen_inc(void)
{
	__atomic_add_fetch(&sh->gen, 1, __ATOMIC_SEQ_CST);
}

static int stopping(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST) ||
	       now_ms() >= deadline;
}

/* Kill pid after a timeout; if it does not go away, remember it. */
static void kill_stuck(pid_t pid, const char *what)
{
	int status;

	kill(pid, SIGKILL);
	if (wait_timeout(pid, KILL_WAIT_MS, &status) == 0)
		return;
	stuck_pid = pid;
	snprintf(stuck_what, sizeof(stuck_what), "%s", what);
}

/*
 * Run fn(arg) in a child process: its return value (0..255), RC_TIMEOUT if
 * it did not return within timeout_ms (then it is killed), RC_FORK.
 */
static int run_child(int (*fn)(const void *), const void *arg,
		     long timeout_ms, const char *what)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return RC_FORK;
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		seed_rnd();
		_exit(fn(arg) & 0xff);
	}
	cur_child = pid;
	if (wait_timeout(pid, timeout_ms, &status)) {
		kill_stuck(pid, what);
		return RC_TIMEOUT;
	}
	cur_child = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/*
 * Run argv[0] with its output in buf: its exit status, 128 + signal,
 * RC_TIMEOUT (killed after timeout_ms) or RC_FORK.
 */
static int run_cmd(char *const argv[], long timeout_ms, char *buf,
		   size_t size)
{
	long long end = now_ms() + timeout_ms;
	size_t len = 0;
	int p[2], status, left;
	pid_t pid;
	ssize_t n;

	buf[0] = 0;
	if (pipe2(p, O_CLOEXEC))
		return RC_FORK;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return RC_FORK;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		signal(SIGALRM, SIG_DFL);
		if (null >= 0)
			dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	cur_child = pid;
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		long long t = end - now_ms();

		if (t <= 0)
			break;
		if (poll(&pfd, 1, t > INT_MAX ? INT_MAX : (int)t) <= 0)
			continue;
		n = read(p[0], buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		buf[len] = 0;
		if (len == size - 1) {	/* full: drain the rest */
			char junk[256];

			while (read(p[0], junk, sizeof(junk)) > 0)
				;
			break;
		}
	}
	close(p[0]);
	for (n = 0; n < (ssize_t)len; n++)
		if (buf[n] == '\n')
			buf[n] = n + 1 < (ssize_t)len ? '|' : 0;
	left = end - now_ms();
	if (wait_timeout(pid, left > 0 ? left : 0, &status)) {
		kill_stuck(pid, argv[0]);
		return RC_TIMEOUT;
	}
	cur_child = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* --- the device: bind, unbind, open ------------------------------------- */

/* 1 if bound to device_dax, 0 if not bound, 2 if bound to another driver. */
static int bound(char *drv, size_t size)
{
	char path[PATH_MAX + 16], link[PATH_MAX];
	const char *base;
	ssize_t n;

	if (dry)
		return __atomic_load_n(&sh->dry_bound, __ATOMIC_SEQ_CST);
	snprintf(path, sizeof(path), "%s/driver", sysdir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = 0;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (drv)
		snprintf(drv, size, "%.*s", (int)size - 1, base);
	return strcmp(base, "device_dax") ? 2 : 1;
}

/* In a child: write the device name to DRV/bind or DRV/unbind. */
static int sysfs_write(const void *arg)
{
	const char *file = arg;
	char path[PATH_MAX];
	int fd, bind = !strcmp(file, "bind");

	if (dry) {
		/* unbind: truncate (mappings SIGBUS); bind: busy 1 in 4 */
		if (!bind && hang)
			sleep(100000);
		sleep_us(rnd() % 20000);
		if (bind && rnd() % 4 == 0)
			return EBUSY;
		if (ftruncate(memfd, bind ? DRY_SIZE : 0))
			return errno;
		__atomic_store_n(&sh->dry_bound, bind, __ATOMIC_SEQ_CST);
		return 0;
	}
	snprintf(path, sizeof(path), DRV "/%s", file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, devname, strlen(devname)) != (ssize_t)strlen(devname))
		return errno ? errno : EIO;
	return 0;
}

static void daxctl(const char *verb, char *buf, size_t size, int *rc)
{
	char *argv[4] = { DAXCTL, (char *)verb, devname, NULL };
	char *dry_argv[4] = {
		"/bin/sh", "-c", "echo dry run: no daxctl; exit 1", NULL
	};

	*rc = run_cmd(dry ? dry_argv : argv, unbind_timeout_ms, buf, size);
}

/* daxctl did not do it: the sysfs files will.  Say so 3 times at most. */
static void daxctl_failed(const char *verb, int rc, const char *output)
{
	long n = add(&sh->daxctl_failures, 1);

	if (n <= 3)
		out("# daxctl %s %s: exit %d, %s: %s; using sysfs%s", verb,
		    devname, rc, bound(NULL, 0) ? "bound" : "not bound",
		    output, n == 3 ? " (not shown again)" : "");
}

/* Unbind: 0, or -1 if the run cannot go on. */
static int unbind_dev(int use_daxctl)
{
	char buf[512];
	long long t0;
	long ms;
	int rc = 0;

	gen_inc();		/* odd: the device may go away from now on */
	t0 = now_ms();
	if (use_daxctl) {
		phase = "daxctl disable-device";
		add(&sh->daxctl_cycles, 1);
		daxctl("disable-device", buf, sizeof(buf), &rc);
		if (rc == RC_TIMEOUT)
			goto timeout;
		if (rc || bound(NULL, 0))
			daxctl_failed("disable-device", rc, buf);
		if (!bound(NULL, 0))
			goto done;
	}
	phase = "unbind";
	rc = run_child(sysfs_write, "unbind", unbind_timeout_ms, "unbind");
	if (rc == RC_TIMEOUT)
		goto timeout;
	if (rc == RC_FORK)
		complain(&sh->errors, "unbind: fork: %s", strerror(errno));
	else if (rc)
		complain(&sh->errors, "unbind %s: %s", devname, strerror(rc));
done:
	ms = now_ms() - t0;
	if (ms > sh->unbind_max_ms)
		sh->unbind_max_ms = ms;
	return 0;
timeout:
	ms = now_ms() - t0;
	if (ms > sh->unbind_max_ms)
		sh->unbind_max_ms = ms;
	complain(&sh->errors, "%s of %s did not return within %ld ms",
		 use_daxctl ? "daxctl disable-device" : "unbind", devname,
		 unbind_timeout_ms);
	return -1;
}

/* Bind (or leave bound): 0, or -1 if the device could not be bound. */
static int bind_dev(int use_daxctl)
{
	char buf[512];
	long long t0;
	int rc;

	if (bound(NULL, 0) == 1)
		goto done;
	if (use_daxctl) {
		phase = "daxctl enable-device";
		daxctl("enable-device", buf, sizeof(buf), &rc);
		if (rc == RC_TIMEOUT) {
			complain(&sh->errors, "daxctl enable-device %s did not return within %ld ms",
				 devname, unbind_timeout_ms);
			return -1;
		}
		if (!rc && bound(NULL, 0) == 1)
			goto bound;
		daxctl_failed("enable-device", rc, buf);
	}
	phase = "bind";
	t0 = now_ms();
	for (;;) {
		rc = run_child(sysfs_write, "bind", BIND_TIMEOUT_MS, "bind");
		if (!rc)
			break;
		if (rc == RC_TIMEOUT) {
			complain(&sh->errors, "bind of %s did not return within %d ms",
				 devname, BIND_TIMEOUT_MS);
			return -1;
		}
		if (rc != EBUSY) {
			complain(&sh->errors, "bind %s: %s", devname,
				 rc == RC_FORK ? "fork failed" : strerror(rc));
			return -1;
		}
		if (bound(NULL, 0) == 1)	/* EBUSY: already bound */
			break;
		if (now_ms() - t0 >= BIND_BUSY_MS) {
			complain(&sh->errors, "bind %s: still EBUSY after %d ms",
				 devname, BIND_BUSY_MS);
			return -1;
		}
		add(&sh->bind_busy, 1);
		sleep_us(10000);
	}
bound:
	add(&sh->rebinds, 1);
done:
	if (gen_load() & 1)
		gen_inc();	/* even: bound again */
	return 0;
}

static int dev_open(void)
{
	return open(dry ? dry_path : devpath, O_RDWR | O_CLOEXEC);
}

/* mmap len bytes of fd at off, at a granule-aligned address, or NULL. */
static char *map_window(int fd, unsigned long off, unsigned long len)
{
	char *res, *a, *p;
	int e;

	res = mmap(NULL, len + granule, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)res + granule - 1) & ~(granule - 1));
	p = mmap(a, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 off);
	if (p == MAP_FAILED) {
		e = errno;
		munmap(res, len + granule);
		errno = e;
		return NULL;
	}
	if (a > res)
		munmap(res, a - res);
	if (res + len + granule > a + len)
		munmap(a + len, res + len + granule - (a + len));
	return p;
}

/* --- mapper ------------------------------------------------------------- */

static sigjmp_buf jb;
static volatile sig_atomic_t armed;

static void on_sigbus(int sig)
{
	if (armed) {
		armed = 0;
		siglongjmp(jb, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One iteration's state: global, so that siglongjmp() clobbers nothing. */
static struct {
	int k;			/* mapper number */
	long n;			/* iteration number */
	char *map;
	unsigned long off, len;
	char *buf;		/* the pages this mapper writes */
	unsigned long blen;
	uint64_t seed;
	int fault;		/* faulted: data not checked */
	int bad;		/* data mismatch */
	char fwhat[200], bwhat[200];
} it;

static int gupfd = -1, bfd = -1;
static char *tmp;		/* CHUNK bytes of anonymous memory */

static void fault(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fault(const char *fmt, ...)
{
	va_list ap;

	if (it.fault++)
		return;
	va_start(ap, fmt);
	vsnprintf(it.fwhat, sizeof(it.fwhat), fmt, ap);
	va_end(ap);
}

static void check(const void *p, unsigned long len, const char *what)
{
	uint64_t got = 0;
	long off = pattern_differs(p, len, it.seed, &got);

	if (off < 0 || it.bad++)
		return;
	snprintf(it.bwhat, sizeof(it.bwhat),
		 "%s: word at %#lx of %lu bytes is %#llx, want %#llx", what,
		 off, len, (unsigned long long)got,
		 (unsigned long long)pattern_word(it.seed, off / 8));
}

static void do_fill(void)
{
	pattern_fill((volatile uint64_t *)it.buf, it.blen, it.seed);
}

static void do_verify(void)
{
	check(it.buf, it.blen, "mapping");
}

/* Run fn over the mapping: 0, or 1 if it took a SIGBUS. */
static int guarded(void (*fn)(void))
{
	if (sigsetjmp(jb, 1))
		return 1;
	armed = 1;
	fn();
	armed = 0;
	return 0;
}

static void op_gup(void)
{
	int i = rnd() % (sizeof(gup_cmds) / sizeof(gup_cmds[0]));
	struct gup_test g = {
		.addr = (uintptr_t)it.buf,
		.size = it.blen,
		.nr_pages_per_call = 1 + rnd() % (it.blen / PAGE),
		.gup_flags = FOLL_WRITE,
	};

	if (ioctl(gupfd, gup_cmds[i].cmd, &g)) {
		if (errno == EFAULT)
			fault("%s: %s", gup_cmds[i].name, strerror(errno));
		else
			complain(&sh->errors, "mapper %d: %s: %s", it.k,
				 gup_cmds[i].name, strerror(errno));
		return;
	}
	if (g.size != it.blen)
		fault("%s got %llu of %lu bytes", gup_cmds[i].name,
		      (unsigned long long)g.size, it.blen);
}

/* Pin long-term, hold 0-5 ms, read the pages through the kernel, unpin. */
static void op_hold(void)
{
	struct pin_longterm_test a = {
		.addr = (uintptr_t)it.buf,
		.size = it.blen,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			 (rnd() % 2 ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
	};
	uint64_t dst = (uintptr_t)tmp;

	if (ioctl(gupfd, PIN_LONGTERM_TEST_START, &a)) {
		if (errno == EFAULT)
			fault("PIN_LONGTERM_TEST_START: %s", strerror(errno));
		else if (errno == EINVAL)	/* someone else holds it */
			op_gup();
		else
			complain(&sh->errors, "mapper %d: PIN_LONGTERM_TEST_START: %s",
				 it.k, strerror(errno));
		return;
	}
	sleep_us(rnd() % 5001);
	if (ioctl(gupfd, PIN_LONGTERM_TEST_READ, &dst)) {
		if (errno != EINVAL)	/* EINVAL: released by a close */
			complain(&sh->errors, "mapper %d: PIN_LONGTERM_TEST_READ: %s",
				 it.k, strerror(errno));
	} else {
		check(tmp, it.blen, "pages read through the long-term pin");
	}
	if (ioctl(gupfd, PIN_LONGTERM_TEST_STOP))
		complain(&sh->errors, "mapper %d: PIN_LONGTERM_TEST_STOP: %s",
			 it.k, strerror(errno));
}

/* vmsplice() the pages into a pipe, hold 0-5 ms, drain and check. */
static void op_vmsplice(void)
{
	struct iovec iov = { it.buf, it.blen };
	size_t got = 0;
	ssize_t n, r;
	int p[2];

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC)) {
		complain(&sh->errors, "mapper %d: pipe: %s", it.k,
			 strerror(errno));
		return;
	}
	n = vmsplice(p[1], &iov, 1, SPLICE_F_NONBLOCK);
	if (n < 0) {
		if (errno == EFAULT)
			fault("vmsplice: %s", strerror(errno));
		else
			complain(&sh->errors, "mapper %d: vmsplice of %lu bytes: %s",
				 it.k, it.blen, strerror(errno));
		goto out;
	}
	sleep_us(rnd() % 5001);
	while (got < (size_t)n) {
		r = read(p[0], tmp + got, n - got);
		if (r <= 0) {
			complain(&sh->errors, "mapper %d: read of the pipe: %s",
				 it.k, r ? strerror(errno) : "EOF");
			goto out;
		}
		got += r;
	}
	check(tmp, n & ~7UL, "data read from the vmsplice pipe");
out:
	close(p[0]);
	close(p[1]);
}

/* O_DIRECT write of the pages to BOUNCE, read back; maybe read into them. */
static void op_direct(void)
{
	off_t boff = (off_t)it.k * CHUNK;
	ssize_t n;

	n = pwrite(bfd, it.buf, it.blen, boff);
	if (n < 0 && errno == EFAULT) {
		fault("O_DIRECT write: %s", strerror(errno));
		return;
	}
	if (n < 0) {
		complain(&sh->errors, "mapper %d: O_DIRECT write to %s: %s",
			 it.k, bounce, strerror(errno));
		return;
	}
	if (n != (ssize_t)it.blen) {
		fault("O_DIRECT write of %lu bytes: %zd", it.blen, n);
		return;
	}
	n = pread(bfd, tmp, it.blen, boff);
	if (n != (ssize_t)it.blen) {
		complain(&sh->errors, "mapper %d: O_DIRECT read of %s: %s",
			 it.k, bounce, n < 0 ? strerror(errno) : "short");
		return;
	}
	check(tmp, it.blen, "O_DIRECT copy of the pages");
	if (rnd() % 2)
		return;

	/* A new pattern, read by O_DIRECT into the mapping (gup write). */
	pattern_fill((volatile uint64_t *)tmp, it.blen, it.seed ^ (1ULL << 63));
	n = pwrite(bfd, tmp, it.blen, boff);
	if (n != (ssize_t)it.blen) {
		complain(&sh->errors, "mapper %d: O_DIRECT write to %s: %s",
			 it.k, bounce, n < 0 ? strerror(errno) : "short");
		return;
	}
	n = pread(bfd, it.buf, it.blen, boff);
	if (n < 0 && errno == EFAULT) {
		fault("O_DIRECT read into the mapping: %s", strerror(errno));
		return;
	}
	if (n < 0) {
		complain(&sh->errors, "mapper %d: O_DIRECT read into the mapping: %s",
			 it.k, strerror(errno));
		return;
	}
	if (n != (ssize_t)it.blen) {
		fault("O_DIRECT read of %lu bytes into the mapping: %zd",
		      it.blen, n);
		return;
	}
	it.seed ^= 1ULL << 63;
}

static int pick_op(void)
{
	for (;;) {
		int op = rnd() % NR_OPS;

		if ((op == OP_GUP && !have_gup) ||
		    (op == OP_HOLD && (!have_gup || it.k)) ||
		    (op == OP_DIRECT && !have_bounce))
			continue;
		return op;
	}
}

static void mapper_iteration(void)
{
	unsigned long units = devsize / granule, lu, nch, first, r, c, np;
	uint64_t g0, g1;
	int fd, e, op, stable;

	memset(&it.map, 0, sizeof(it) - offsetof(typeof(it), map));
	g0 = gen_load();
	fd = dev_open();
	if (fd < 0) {
		e = errno;
		if (e == ENXIO || e == ENODEV || e == ENOENT) {
			fault("open: %s", strerror(e));
			sleep_us(1000);
			goto account;
		}
		complain(&sh->errors, "mapper %d: open %s: %s", it.k, devpath,
			 strerror(e));
		sleep_us(10000);
		return;
	}
	lu = 1 + rnd() % 4;
	if (lu > units)
		lu = units;
	it.len = lu * granule;
	it.off = rnd() % (units - lu + 1) * granule;
	it.map = map_window(fd, it.off, it.len);
	e = errno;
	close(fd);
	if (!it.map) {
		if (e == ENXIO || e == ENODEV) {
			fault("mmap: %s", strerror(e));
			goto account;
		}
		complain(&sh->errors, "mapper %d: mmap %lu bytes at %#lx: %s",
			 it.k, it.len, it.off, strerror(e));
		sleep_us(10000);
		return;
	}

	/* A chunk of the window with chunk number % nproc == k. */
	nch = it.len / CHUNK;
	first = it.off / CHUNK;
	r = (it.k + nproc - first % nproc) % nproc;
	c = first + r + nproc * (rnd() % ((nch - r + nproc - 1) / nproc));
	np = 1 + rnd() % (CHUNK / PAGE);
	it.buf = it.map + (c * CHUNK - it.off) +
		 rnd() % (CHUNK / PAGE - np + 1) * PAGE;
	it.blen = np * PAGE;
	it.seed = (uint64_t)getpid() << 32 | (uint32_t)it.n;

	if (guarded(do_fill)) {
		fault("SIGBUS writing the mapping");
		goto unmap;
	}
	op = pick_op();
	add(&sh->ops[op], 1);
	switch (op) {
	case OP_GUP:
		op_gup();
		break;
	case OP_HOLD:
		op_hold();
		break;
	case OP_VMSPLICE:
		op_vmsplice();
		break;
	case OP_DIRECT:
		op_direct();
		break;
	}
	if (!it.fault && guarded(do_verify))
		fault("SIGBUS reading the mapping after %s", op_names[op]);
unmap:
	if (munmap(it.map, it.len))
		complain(&sh->errors, "mapper %d: munmap: %s", it.k,
			 strerror(errno));
account:
	g1 = gen_load();
	stable = g0 == g1 && !(g0 & 1);
	if (it.fault) {
		if (stable)
			complain(&sh->errors, "mapper %d iteration %ld: %s, with %s bound throughout",
				 it.k, it.n, it.fwhat, devname);
		else
			add(&sh->expected, 1);
		sleep_us(1000);		/* do not spin while unbound */
	} else if (!stable) {
		add(&sh->unchecked, 1);
	} else if (it.bad) {
		complain(&sh->mismatches, "mapper %d iteration %ld, %lu bytes at %#lx of %s: %s",
			 it.k, it.n, it.blen,
			 it.off + (unsigned long)(it.buf - it.map), devname,
			 it.bwhat);
	} else {
		add(&sh->checked, 1);
	}
}

static void on_mapper_alarm(int sig)
{
	(void)sig;
	out("# stuck: mapper %d", it.k);
	_exit(1);
}

static int mapper(int k)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	it.k = k;
	seed_rnd();
	signal(SIGALRM, on_mapper_alarm);
	alarm(seconds + STUCK_SLACK - 10);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	tmp = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tmp == MAP_FAILED) {
		complain(&sh->errors, "mapper %d: mmap: %s", k,
			 strerror(errno));
		return 1;
	}
	if (have_gup) {
		gupfd = open(GUP_TEST_FILE, O_RDWR | O_CLOEXEC);
		if (gupfd < 0) {
			complain(&sh->errors, "mapper %d: open %s: %s", k,
				 GUP_TEST_FILE, strerror(errno));
			have_gup = 0;
		}
	}
	if (have_bounce) {
		bfd = open(bounce, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (bfd < 0) {
			complain(&sh->errors, "mapper %d: open %s: %s", k,
				 bounce, strerror(errno));
			have_bounce = 0;
		}
	}
	while (!stopping()) {
		it.n = __atomic_fetch_add(&sh->claimed, 1, __ATOMIC_SEQ_CST);
		if (maxiter && it.n >= maxiter)
			break;
		mapper_iteration();
		add(&sh->iterations, 1);
	}
	if (gupfd >= 0)
		close(gupfd);
	if (bfd >= 0)
		close(bfd);
	__atomic_sub_fetch(&sh->running, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* --- parent ------------------------------------------------------------- */

static void on_alarm(int sig)
{
	(void)sig;
	sh->stop = 1;
	if (cur_child > 0)
		kill(cur_child, SIGKILL);
	out("# stuck: %s", phase);
	_exit(1);
}

static void final_check(void)
{
	char *p;
	int fd;

	phase = "final check";
	fd = dev_open();
	if (fd < 0) {
		out("# device unusable after the stress: open: %s",
		    strerror(errno));
		add(&sh->errors, 1);
		return;
	}
	p = map_window(fd, 0, granule);
	if (!p) {
		out("# device unusable after the stress: mmap: %s",
		    strerror(errno));
		add(&sh->errors, 1);
		close(fd);
		return;
	}
	close(fd);
	memset(&it.map, 0, sizeof(it) - offsetof(typeof(it), map));
	it.buf = p;
	it.blen = PAGE;
	it.seed = 0xdeadbeefULL << 32 | getpid();
	signal(SIGBUS, on_sigbus);
	if (guarded(do_fill) || guarded(do_verify)) {
		out("# device unusable after the stress: SIGBUS on the mapping");
		add(&sh->errors, 1);
	} else if (it.bad) {
		out("# device unusable after the stress: %s", it.bwhat);
		add(&sh->errors, 1);
	}
	munmap(p, granule);
}

static void progress(long long start)
{
	out("# " NAME ": %lld s, %ld iterations, %ld rebinds, %ld checked, %ld errors, %ld mismatches",
	    (now_ms() - start) / 1000, sh->iterations, sh->rebinds,
	    sh->checked, sh->errors, sh->mismatches);
}

static void controller(void)
{
	long long start = now_ms(), last = start;
	long cycle = 0;

	while (!stopping() && __atomic_load_n(&sh->running, __ATOMIC_SEQ_CST)) {
		int use_daxctl = have_daxctl && cycle % 5 == 4;

		if (now_ms() - last >= PROGRESS_MS) {
			progress(start);
			last = now_ms();
		}
		if (unbind_dev(use_daxctl))
			break;
		phase = "sleeping while unbound";
		sleep_us(rnd() % 50001);
		if (bind_dev(use_daxctl))
			break;
		cycle++;
		phase = "sleeping while bound";
		sleep_us(rnd() % 100001);
	}
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
"usage: stress_devdax [-i MAXITER] [-p NPROC] [-b BOUNCE] [-t MS] [-n] [-H]\n"
"                     DAXDEV SECONDS\n"
"  -i MAXITER  stop after MAXITER mapper iterations in all\n"
"  -p NPROC    mapper processes, 1 to %d (default 3)\n"
"  -b BOUNCE   block device for O_DIRECT, - for none (default /dev/ram0)\n"
"  -t MS       time limit of one unbind (default 60000)\n"
"  -n          dry run: a memfd instead of DAXDEV, no sysfs\n"
"  -H          with -n: the dry unbind hangs\n", MAX_NPROC);
	exit(2);
}

/* Find the device and its sysfs entries: 0, or exit 4. */
static void setup_device(void)
{
	char path[PATH_MAX + 64], link[PATH_MAX], drv[NAME_MAX + 1];
	unsigned long align = 0;
	struct stat st;
	const char *base;
	ssize_t n;

	if (dry) {
		memfd = memfd_create("stress_devdax", 0);
		if (memfd < 0 || ftruncate(memfd, DRY_SIZE)) {
			out("# memfd: %s", strerror(errno));
			exit(4);
		}
		snprintf(dry_path, sizeof(dry_path), "/proc/self/fd/%d", memfd);
		snprintf(devname, sizeof(devname), "dry");
		devsize = DRY_SIZE;
		granule = SZ_2M;
		sh->dry_bound = 1;
		return;
	}
	if (stat(devpath, &st)) {
		out("# %s: %s", devpath, strerror(errno));
		exit(4);
	}
	if (!S_ISCHR(st.st_mode)) {
		out("# %s: not a character device", devpath);
		exit(4);
	}
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		out("# %s: %s: %s", devpath, path, strerror(errno));
		exit(4);
	}
	link[n] = 0;
	base = strrchr(link, '/');
	snprintf(devname, sizeof(devname), "%.*s", NAME_MAX,
		 base ? base + 1 : link);
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/dax/devices/%s", devname);
	if (access(sysdir, F_OK)) {
		out("# %s: %s is not on the dax bus", devpath, devname);
		exit(4);
	}
	if (access(DRV "/bind", F_OK) || access(DRV "/unbind", F_OK)) {
		out("# no device_dax driver: %s: %s", DRV, strerror(errno));
		exit(4);
	}
	if (access(DRV "/bind", W_OK) || access(DRV "/unbind", W_OK)) {
		out("# %s/bind: %s (run as root)", DRV, strerror(errno));
		exit(4);
	}
	strcat(path, "/size");
	if (read_ulong(path, &devsize)) {
		snprintf(path, sizeof(path), "%s/size", sysdir);
		if (read_ulong(path, &devsize)) {
			out("# %s: cannot read the size", devname);
			exit(4);
		}
	}
	snprintf(path, sizeof(path), "%s/align", sysdir);
	if (read_ulong(path, &align) || align < SZ_2M)
		align = SZ_2M;
	granule = align;
	if (granule & (granule - 1) || devsize < granule) {
		out("# %s: size %lu, align %lu: nothing to map", devname,
		    devsize, granule);
		exit(4);
	}
	if (bound(drv, sizeof(drv)) == 2) {
		out("# %s is bound to %s, not device_dax", devname, drv);
		exit(4);
	}
}

static void setup_extras(void)
{
	have_gup = !access(GUP_TEST_FILE, R_OK | W_OK);
	if (!have_gup)
		out("# no %s: no gup_test pins", GUP_TEST_FILE);
	if (strcmp(bounce, "-"))
		have_bounce = bounce_usable(bounce, MAX_NPROC * CHUNK);
	have_daxctl = dry ? 1 : !access(DAXCTL, X_OK);
}

int main(int argc, char **argv)
{
	int c, i, status, failed;
	pid_t pids[MAX_NPROC];
	long long end;
	long v;

	while ((c = getopt(argc, argv, "i:p:b:t:nHh")) != -1) {
		switch (c) {
		case 'i':
			if (number(optarg, 1, LONG_MAX, &maxiter))
				usage();
			break;
		case 'p':
			if (number(optarg, 1, MAX_NPROC, &v))
				usage();
			nproc = v;
			break;
		case 'b':
			bounce = optarg;
			break;
		case 't':
			if (number(optarg, 1, 3600000, &unbind_timeout_ms))
				usage();
			break;
		case 'n':
			dry = 1;
			break;
		case 'H':
			hang = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 || number(argv[optind + 1], 1, 1000000, &v) ||
	    (hang && !dry))
		usage();
	devpath = argv[optind];
	seconds = v;
	if (dry && bounce && !strcmp(bounce, "/dev/ram0"))
		bounce = "-";

	sh = shared_alloc(sizeof(*sh));
	if (!sh) {
		out("# mmap: %s", strerror(errno));
		return 1;
	}
	seed_rnd();
	setup_device();
	setup_extras();
	signal(SIGALRM, on_alarm);
	alarm(seconds + STUCK_SLACK);
	deadline = now_ms() + seconds * 1000LL;
	out("# " NAME ": %s (%s), %lu bytes, align %lu, %d mappers, %d s%s",
	    dry ? "dry run" : devpath, devname, devsize, granule, nproc,
	    seconds, have_daxctl ? ", daxctl every 5th cycle" : "");

	if (!bound(NULL, 0)) {
		out("# %s is not bound: binding it", devname);
		sh->gen = 1;
		if (bind_dev(0))
			goto report;
	}

	sh->running = nproc;
	for (i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			complain(&sh->errors, "fork: %s", strerror(errno));
			sh->running -= nproc - i;
			break;
		}
		if (pids[i] == 0)
			_exit(mapper(i));
	}
	nproc = i;

	controller();
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);

	phase = "final bind";
	if (!stuck_pid && bound(NULL, 0) != 1)
		bind_dev(0);

	phase = "waiting for the mappers";
	end = now_ms() + MAPPER_WAIT_MS;
	for (i = 0; i < nproc; i++) {
		long long left = end - now_ms();

		if (wait_timeout(pids[i], left > 0 ? left : 0, &status)) {
			complain(&sh->errors, "mapper %d did not stop", i);
			kill_stuck(pids[i], "a mapper");
			continue;
		}
		if (WIFSIGNALED(status))
			complain(&sh->errors, "mapper %d killed by signal %d",
				 i, WTERMSIG(status));
		else if (WEXITSTATUS(status))
			complain(&sh->errors, "mapper %d exited with %d", i,
				 WEXITSTATUS(status));
	}
	if (!stuck_pid)
		final_check();
report:
	failed = sh->mismatches || sh->errors;
	out("# ops: none %ld, gup_test %ld, longterm-hold %ld, vmsplice %ld, O_DIRECT %ld",
	    sh->ops[OP_NONE], sh->ops[OP_GUP], sh->ops[OP_HOLD],
	    sh->ops[OP_VMSPLICE], sh->ops[OP_DIRECT]);
	out("stress " NAME " iterations %ld", sh->iterations);
	out("stress " NAME " mismatches %ld", sh->mismatches);
	out("stress " NAME " errors %ld", sh->errors);
	out("stress " NAME " expected_errors %ld", sh->expected);
	out("stress " NAME " checked %ld", sh->checked);
	out("stress " NAME " unchecked %ld", sh->unchecked);
	out("stress " NAME " rebinds %ld", sh->rebinds);
	out("stress " NAME " bind_busy %ld", sh->bind_busy);
	out("stress " NAME " daxctl_cycles %ld", sh->daxctl_cycles);
	out("stress " NAME " daxctl_failures %ld", sh->daxctl_failures);
	out("stress " NAME " unbind_max_ms %ld", sh->unbind_max_ms);
	if (stuck_pid) {
		out("# stuck: %s (pid %d) did not go away", stuck_what,
		    (int)stuck_pid);
		return 1;
	}
	return failed ? 1 : 0;
}
