/* SPDX-License-Identifier: MIT */
/*
 * The kicker: how the machine gets the CPU back without a hook on every
 * block (softcpu.c, "the run without a block hook").
 *
 * Unicorn calls a block hook through a helper that saves and reloads the
 * guest registers TCG holds in host registers: about 8 ns a block, 40 % of
 * a Linux boot. Without it, nothing of the machine runs between two
 * intercepts, so this thread waits for what must stop the CPU from
 * outside -- a device event (the machine's epoll set), console input, the
 * next timer (clock comparator, CPU timer, progress report, deadline) --
 * and stops it with uc_emu_stop(). With Unicorn's exit check after each
 * load and store off (ucstate_check_no_exit()), the stop lands where QEMU
 * checks, at the start of the next block, so the PSW is exact; the run
 * loop handles what came and starts the CPU again.
 *
 * A stop can be lost: Unicorn forgets it when a hook wrote the PC in the
 * same pass, or when it lands between two uc_emu_start()s. So a kick stays
 * set until the run loop takes it (kicker_take()), and the stop is repeated
 * every millisecond until then.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "softcpu_int.h"

#define RETRY_NS 1000000ULL	/* a lost stop is repeated after this */
#define IDLE_NS  1000000ULL	/* while the CPU waits: how often to look */

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void poke(struct sc_kicker *k)
{
	uint64_t one = 1;

	if (write(k->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

/* Sleep until the eventfd is poked or ns pass (UINT64_MAX: no limit). */
static bool wait_efd(struct sc_kicker *k, struct pollfd *fds, nfds_t n, uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL),
			       .tv_nsec = (long)(ns % 1000000000ULL) };
	int r = ppoll(fds, n, ns == UINT64_MAX ? NULL : &ts, NULL);

	if (r > 0 && (fds[0].revents & POLLIN))
		drain(k->efd);
	return r > 0;
}

static void kick_now(struct zv_softcpu *sc)
{
	atomic_store(&sc->kick.kick, 1);
	uc_emu_stop(sc->uc);
}

static void *kicker_main(void *arg)
{
	struct zv_softcpu *sc = arg;
	struct sc_kicker *k = &sc->kick;

	while (!atomic_load(&k->quit)) {
		struct pollfd fds[3] = { { .fd = k->efd, .events = POLLIN } };
		nfds_t n = 1;
		uint64_t at, now;

		if (!atomic_load(&k->in_run)) {
			/* the machine waits (and watches the devices itself) or
			 * is between runs; a wait ends without a poke, so that
			 * the interrupt it presents is not delayed by a system
			 * call: the next look is at most IDLE_NS away */
			wait_efd(k, fds, 1, IDLE_NS);
			continue;
		}
		if (atomic_load(&k->kick)) {	/* not taken yet: stop again */
			uc_emu_stop(sc->uc);
			wait_efd(k, fds, 1, RETRY_NS);
			continue;
		}
		fds[n++] = (struct pollfd){ .fd = k->dev_fd, .events = POLLIN };
		if (atomic_load(&k->watch_console))
			fds[n++] = (struct pollfd){ .fd = k->console_fd, .events = POLLIN };
		at = atomic_load(&k->timer_at);
		now = mono_ns();
		if (at <= now) {
			kick_now(sc);
			continue;
		}
		if (!wait_efd(k, fds, n, at == UINT64_MAX ? UINT64_MAX : at - now)) {
			if (atomic_load(&k->in_run) && mono_ns() >= atomic_load(&k->timer_at))
				kick_now(sc);	/* the timer */
			continue;
		}
		if (atomic_load(&k->in_run) &&
		    ((fds[1].revents & POLLIN) || (n > 2 && (fds[2].revents & (POLLIN | POLLHUP))))) {
			if (fds[1].revents & POLLIN)
				atomic_store(&k->dev_ready, true);
			kick_now(sc);		/* an event, or console input */
		}
	}
	return NULL;
}

int kicker_start(struct zv_softcpu *sc)
{
	struct sc_kicker *k = &sc->kick;

	k->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->efd < 0)
		return -1;
	k->dev_fd = zv_poll_fd(sc->m);
	k->console_fd = sc->cfg.has_console_in ? sc->cfg.console_in : -1;
	atomic_store(&k->timer_at, UINT64_MAX);
	int rc = pthread_create(&k->thread, NULL, kicker_main, sc);

	if (rc) {		/* it returns its error, errno is not set */
		close(k->efd);
		k->efd = -1;
		errno = rc;
		return -1;
	}
	k->started = true;
	return 0;
}

void kicker_stop(struct zv_softcpu *sc)
{
	struct sc_kicker *k = &sc->kick;

	if (!k->started)
		return;
	atomic_store(&k->quit, true);
	poke(k);
	pthread_join(k->thread, NULL);
	close(k->efd);
	k->started = false;
}

void kicker_enter(struct zv_softcpu *sc, uint64_t timer_at, bool watch_console, bool wake)
{
	struct sc_kicker *k = &sc->kick;

	atomic_store(&k->timer_at, timer_at);
	atomic_store(&k->watch_console, watch_console && k->console_fd >= 0);
	atomic_store(&k->in_run, 1);
	if (wake)
		poke(k);
}

void kicker_rearm(struct zv_softcpu *sc, uint64_t timer_at)
{
	atomic_store(&sc->kick.timer_at, timer_at);
	poke(&sc->kick);
}

void kicker_leave(struct zv_softcpu *sc, bool wake)
{
	atomic_store(&sc->kick.in_run, 0);
	if (wake)	/* off the devices' file descriptors it polls */
		poke(&sc->kick);
}

bool kicker_take(struct zv_softcpu *sc)
{
	return atomic_exchange(&sc->kick.kick, 0) != 0;
}

/* A stop the machine asked for from a hook, which Unicorn may forget: the
 * kicker repeats it until the run loop takes it. */
void kicker_insist(struct zv_softcpu *sc)
{
	if (sc->kick.started && !atomic_exchange(&sc->kick.kick, 1))
		poke(&sc->kick);
}

uint64_t kicker_now_ns(void)
{
	return mono_ns();
}
