/* SPDX-License-Identifier: MIT */
/* qemu-system-s390x for the benchmarks (qemu_s390x.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qemu_s390x.h"

#define MAX_ARGS 64

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int qemu_s390x_run(const char *who, const struct qemu_s390x *q,
		   bool (*feed)(void *ctx, const char *buf, size_t n), void *ctx, double *secs)
{
	char memarg[32];
	const char *argv[MAX_ARGS];
	int p[2], n = 0, status;
	bool done = false;
	double t0;
	pid_t pid;

	snprintf(memarg, sizeof(memarg), "%" PRIu64 "M", q->mem >> 20);
	argv[n++] = q->qemu;
	argv[n++] = "-M"; argv[n++] = "s390-ccw-virtio";
	argv[n++] = "-accel"; argv[n++] = "tcg";
	argv[n++] = "-cpu"; argv[n++] = "max";
	argv[n++] = "-smp"; argv[n++] = "1";
	argv[n++] = "-m"; argv[n++] = memarg;
	argv[n++] = "-nographic"; argv[n++] = "-nic"; argv[n++] = "none";
	argv[n++] = "-no-reboot";
	argv[n++] = "-kernel"; argv[n++] = q->kernel;
	if (q->initrd) {
		argv[n++] = "-initrd";
		argv[n++] = q->initrd;
	}
	argv[n++] = "-append"; argv[n++] = q->append;
	for (unsigned i = 0; q->extra && q->extra[i] && n < MAX_ARGS - 1; i++)
		argv[n++] = q->extra[i];
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "%s: pipe: %s\n", who, strerror(errno));
		return 1;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", who, strerror(errno));
		close(p[0]);
		close(p[1]);
		return 1;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		execvp(q->qemu, (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", q->qemu, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (!done && now() - t0 < q->timeout) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		char buf[4096];
		ssize_t r;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		r = read(p[0], buf, sizeof(buf));
		if (r <= 0)
			break;
		done = feed(ctx, buf, (size_t)r);
	}
	*secs = now() - t0;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	return 0;
}
