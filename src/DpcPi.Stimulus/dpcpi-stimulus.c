// dpcpi-stimulus: the edge generator for every DpcPi latency measurement on a real kernel.
//
// Why a separate C process: a stimulus inside the measured process runs below its SCHED_FIFO ISR and
// DPC threads and shares its runtime (JIT, GC), so the measured threads can starve their own stimulus.
// This one runs at normal priority in its own process, allocates nothing while it runs and makes
// one edge per interval.
//
// Why a relative interval: it sleeps one interval, then writes; a late wake-up delays the following
// edges instead of being made up by back-to-back writes, which the kernel would merge into one event.
//
// Targets: a gpio-sim line through its sysfs pull file (--pull), or an output line of a GPIO chip
// through the uAPI v2 character device (--chip/--line, e.g. a Pi pin wired to the measured input).
//
// usage: dpcpi-stimulus (--pull FILE | --chip DEV --line N) --interval-us U [--edges N]
//                       [--start-level 0|1] [--log FILE]
// --interval-us 0 with --edges N > 0 is a burst: N writes back to back, no sleep (a loss test, the one
// mode that bunches on purpose).
//        dpcpi-stimulus --pull FILE --set 0|1        write one level and exit (no edge if unchanged)
// --edges 0 (the default) runs until SIGTERM/SIGINT. The line must be at --start-level (default 0)
// when it starts: the first write drives the other level. At exit it prints one line
//   STIMULUS: generated=N interval_us=U gap_min_ns=.. gap_p50_ns=.. gap_max_ns=.. write_p50_ns=.. write_max_ns=..
// (gap: from one write's start to the next one's; write: how long a write took) and, with --log,
// writes "index before_ns after_ns" per edge (CLOCK_MONOTONIC), so a reader can measure write→handler.
// Exit: 0 ok, 1 a write failed (the edges made so far are still reported), 2 bad usage or target.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct target {
    int fd;
    int is_pull; // 1: gpio-sim pull file, 0: uAPI v2 line request
};

static int drive(const struct target *t, int level) {
    if (t->is_pull) {
        const char *s = level ? "pull-up" : "pull-down";
        return pwrite(t->fd, s, strlen(s), 0) < 0 ? -1 : 0;
    }
    struct gpio_v2_line_values v = {.bits = (uint64_t)(level != 0), .mask = 1};
    return ioctl(t->fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v);
}

static int open_target(struct target *t, const char *pull, const char *chip, long line, int level) {
    if (pull) {
        t->is_pull = 1;
        t->fd = open(pull, O_WRONLY | O_CLOEXEC);
        if (t->fd < 0) {
            fprintf(stderr, "dpcpi-stimulus: cannot open %s: %s\n", pull, strerror(errno));
            return -1;
        }
        return 0;
    }
    t->is_pull = 0;
    int cfd = open(chip, O_RDWR | O_CLOEXEC);
    if (cfd < 0) {
        fprintf(stderr, "dpcpi-stimulus: cannot open %s: %s\n", chip, strerror(errno));
        return -1;
    }
    struct gpio_v2_line_request req;
    memset(&req, 0, sizeof req);
    req.offsets[0] = (uint32_t)line;
    req.num_lines = 1;
    snprintf(req.consumer, sizeof req.consumer, "dpcpi-stimulus");
    req.config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
    req.config.num_attrs = 1;
    req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    req.config.attrs[0].attr.values = (uint64_t)(level != 0);
    req.config.attrs[0].mask = 1;
    int rc = ioctl(cfd, GPIO_V2_GET_LINE_IOCTL, &req);
    int err = errno;
    close(cfd);
    if (rc < 0) {
        fprintf(stderr, "dpcpi-stimulus: cannot request %s line %ld as an output: %s\n", chip, line, strerror(err));
        return -1;
    }
    t->fd = req.fd;
    return 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static long parse_long(const char *flag, const char *s, long min) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min) {
        fprintf(stderr, "dpcpi-stimulus: %s takes a whole number >= %ld, not '%s'\n", flag, min, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    const char *pull = NULL, *chip = NULL, *log_path = NULL;
    long line = -1, interval_us = 0, edges = 0, set = -1;
    int level = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "dpcpi-stimulus: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--pull")) pull = v;
        else if (!strcmp(a, "--chip")) chip = v;
        else if (!strcmp(a, "--line")) line = parse_long(a, v, 0);
        else if (!strcmp(a, "--interval-us")) interval_us = parse_long(a, v, 0);
        else if (!strcmp(a, "--edges")) edges = parse_long(a, v, 0);
        else if (!strcmp(a, "--start-level")) level = (int)parse_long(a, v, 0) != 0;
        else if (!strcmp(a, "--set")) set = parse_long(a, v, 0) != 0;
        else if (!strcmp(a, "--log")) log_path = v;
        else {
            fprintf(stderr, "dpcpi-stimulus: unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    if (!pull == !chip || (chip && line < 0)) {
        fprintf(stderr, "dpcpi-stimulus: give either --pull FILE or --chip DEV --line N\n");
        return 2;
    }
    struct target t;
    if (set >= 0) {
        if (open_target(&t, pull, chip, line, (int)set) < 0) return 2;
        int rc = drive(&t, (int)set);
        if (rc < 0) fprintf(stderr, "dpcpi-stimulus: write: %s\n", strerror(errno));
        close(t.fd);
        return rc < 0 ? 1 : 0;
    }
    if (interval_us < 0 || (interval_us == 0 && edges == 0)) {
        fprintf(stderr, "dpcpi-stimulus: --interval-us is required (0, a burst, only with --edges N)\n");
        return 2;
    }
    if (open_target(&t, pull, chip, line, level) < 0) return 2;

    // The records: preallocated for a counted run; an open-ended run keeps a ring of the last 1 M.
    size_t cap = edges > 0 ? (size_t)edges : (size_t)1 << 20;
    int64_t *before = malloc(cap * sizeof *before), *after = malloc(cap * sizeof *after);
    if (!before || !after) {
        fprintf(stderr, "dpcpi-stimulus: out of memory for %zu records\n", cap);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; // no SA_RESTART: a signal ends the sleep at once
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    const struct timespec gap = {.tv_sec = interval_us / 1000000, .tv_nsec = (interval_us % 1000000) * 1000};
    long n = 0;
    int rc = 0;
    while (!g_stop && (edges == 0 || n < edges)) {
        if (interval_us > 0 && (clock_nanosleep(CLOCK_MONOTONIC, 0, &gap, NULL) != 0 || g_stop))
            break; // relative: never catch up
        level = !level;
        int64_t b = now_ns();
        if (drive(&t, level) < 0) {
            fprintf(stderr, "dpcpi-stimulus: write after %ld edges: %s\n", n, strerror(errno));
            rc = 1;
            break;
        }
        before[(size_t)n % cap] = b;
        after[(size_t)n % cap] = now_ns();
        n++;
    }
    close(t.fd);

    size_t kept = (size_t)n < cap ? (size_t)n : cap, first = (size_t)n - kept;
    if (log_path) {
        FILE *f = fopen(log_path, "w");
        if (!f) {
            fprintf(stderr, "dpcpi-stimulus: cannot write %s: %s\n", log_path, strerror(errno));
            rc = rc ? rc : 1;
        } else {
            for (size_t i = first; i < (size_t)n; i++)
                fprintf(f, "%zu %lld %lld\n", i, (long long)before[i % cap], (long long)after[i % cap]);
            if (fclose(f) != 0) rc = rc ? rc : 1;
        }
    }
    // Gaps between consecutive writes (bunching shows as a small minimum) and write durations.
    int64_t *gaps = malloc((kept ? kept : 1) * sizeof *gaps), *w = malloc((kept ? kept : 1) * sizeof *w);
    size_t ng = 0;
    for (size_t i = first; i < (size_t)n; i++) {
        w[i - first] = after[i % cap] - before[i % cap];
        if (i > first) gaps[ng++] = before[i % cap] - before[(i - 1) % cap];
    }
    qsort(gaps, ng, sizeof *gaps, cmp_i64);
    qsort(w, kept, sizeof *w, cmp_i64);
    printf("STIMULUS: generated=%ld interval_us=%ld gap_min_ns=%lld gap_p50_ns=%lld gap_max_ns=%lld write_p50_ns=%lld write_max_ns=%lld\n",
           n, interval_us, (long long)(ng ? gaps[0] : 0), (long long)(ng ? gaps[ng / 2] : 0),
           (long long)(ng ? gaps[ng - 1] : 0), (long long)(kept ? w[kept / 2] : 0), (long long)(kept ? w[kept - 1] : 0));
    fflush(stdout);
    return rc;
}
