// gpio_reader: the C floor for DpcPi's edge->handler latency, measured in the VM tier.
//
// Requests one line of a (gpio-sim) chip with both edges through the GPIO uAPI v2 ioctls, starts
// the stimulus (src/DpcPi.Stimulus, a separate process at normal priority that writes
// "pull-up"/"pull-down" to the simulator's sysfs pull file, one edge per interval) and for each edge
// event records
//     latency = clock_gettime(CLOCK_MONOTONIC) at the moment read() returns - event.timestamp_ns
// (event timestamps are CLOCK_MONOTONIC by default). Prints one parseable line
//     C_READER: count=N p50_ns=.. p99_ns=.. max_ns=.. generated=.. delivered=.. lost=.. merged=.. pending_together=..
// (pending_together: measured edges that one read() returned behind another, so the reader was late to both)
// and writes the same as JSON.
//
// The first edges are a warm-up, not recorded: max(warmup edges, warmup ms / interval) of them, so
// the warm-up covers both a count and a time; the stimulus makes them on top of <edges>.
//
// With a <fifo-priority> above 0 the reader runs SCHED_FIFO at that priority, as dpcpi's ISR thread does,
// so that its figures are the floor for dpcpi at equal priority (at SCHED_OTHER a real-time reader would
// beat the "floor"). It is set after the stimulus is spawned: the stimulus stays at normal priority.
//
// usage: gpio_reader <chip> <line> <pull-file> <edges> <interval_us> <json-out> <warmup-edges> <warmup-ms> <stimulus> [fifo-priority]
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;


static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// Starts the stimulus process; its stdout (the STIMULUS: line) goes to ours.
static pid_t start_stimulus(const char *exe, const char *pull, long edges, long interval_us) {
    char e[32], iv[32];
    snprintf(e, sizeof e, "%ld", edges);
    snprintf(iv, sizeof iv, "%ld", interval_us);
    char *const av[] = {(char *)exe, "--pull", (char *)pull, "--edges", e, "--interval-us", iv, NULL};
    fflush(stdout);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, NULL, NULL, av, environ);
    if (rc != 0) {
        fprintf(stderr, "gpio_reader: cannot start %s: %s\n", exe, strerror(rc));
        return -1;
    }
    return pid;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t pct(const int64_t *sorted, int n, double p) {
    if (n == 0)
        return 0;
    int idx = (int)((p / 100.0) * n + 0.999999) - 1; // nearest-rank
    if (idx < 0)
        idx = 0;
    if (idx >= n)
        idx = n - 1;
    return sorted[idx];
}

int main(int argc, char **argv) {
    if (argc < 10) {
        fprintf(stderr, "usage: %s <chip> <line> <pull-file> <edges> <interval_us> <json-out> <warmup-edges> <warmup-ms> <stimulus> [fifo-priority]\n", argv[0]);
        return 2;
    }
    const char *chip = argv[1];
    unsigned line = (unsigned)atoi(argv[2]);
    const char *pull = argv[3];
    int edges = atoi(argv[4]);
    long interval_us = atol(argv[5]);
    const char *json = argv[6];
    long warmup_edges = atol(argv[7]), warmup_ms = atol(argv[8]);
    const char *stimulus = argv[9];
    int fifo = argc > 10 ? atoi(argv[10]) : 0;
    long by_time = (warmup_ms * 1000 + interval_us - 1) / interval_us;
    int warmup = (int)(warmup_edges > by_time ? warmup_edges : by_time);
    int generated = edges + warmup;

    // Known starting level: low (the stimulus's first write drives it high).
    int pfd = open(pull, O_WRONLY | O_CLOEXEC);
    if (pfd < 0 || pwrite(pfd, "pull-down", 9, 0) < 0) {
        fprintf(stderr, "gpio_reader: cannot drive %s: %s\n", pull, strerror(errno));
        return 1;
    }
    close(pfd);
    usleep(20000);

    int cfd = open(chip, O_RDWR | O_CLOEXEC);
    if (cfd < 0) {
        fprintf(stderr, "gpio_reader: open %s: %s\n", chip, strerror(errno));
        return 1;
    }
    struct gpio_v2_line_request req;
    memset(&req, 0, sizeof req);
    req.offsets[0] = line;
    req.num_lines = 1;
    snprintf(req.consumer, sizeof req.consumer, "dpcpi-c-reader");
    req.config.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
    req.event_buffer_size = 1024;
    if (ioctl(cfd, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
        fprintf(stderr, "gpio_reader: GPIO_V2_GET_LINE_IOCTL %s line %u: %s\n", chip, line, strerror(errno));
        return 1;
    }
    close(cfd);
    int lfd = req.fd;

    int64_t *lat = calloc((size_t)edges + 16, sizeof *lat);
    int nlat = 0, delivered = 0;
    uint32_t last_seq = 0;
    long lost = 0, merged = 0, together = 0; // together: measured edges read behind another in one read()
    int last_id = GPIO_V2_LINE_EVENT_FALLING_EDGE; // level starts low
    pid_t child = start_stimulus(stimulus, pull, generated, interval_us);
    if (child < 0)
        return 1;
    char sched[32] = "other";
    if (fifo > 0) {
        struct sched_param sp = {.sched_priority = fifo};
        if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0)
            snprintf(sched, sizeof sched, "fifo:%d", fifo);
        else
            fprintf(stderr, "gpio_reader: SCHED_FIFO %d refused (%s); measuring at SCHED_OTHER\n", fifo, strerror(errno));
    }
    int child_done = 0, child_status = 0;

    struct gpio_v2_line_event ev[16];
    for (;;) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        int r = poll(&p, 1, child_done ? 500 : 200);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (child_done)
                break; // the stimulus has finished and nothing came for 500 ms
            child_done = waitpid(child, &child_status, WNOHANG) == child;
            continue;
        }
        ssize_t n = read(lfd, ev, sizeof ev);
        int64_t t = now_ns();
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            fprintf(stderr, "gpio_reader: read: %s\n", strerror(errno));
            break;
        }
        int k = (int)(n / (ssize_t)sizeof ev[0]);
        for (int i = 0; i < k; i++) {
            if (ev[i].line_seqno > last_seq + 1)
                lost += ev[i].line_seqno - last_seq - 1;
            else if ((int)ev[i].id == last_id)
                merged++; // same direction twice without a seqno gap: an edge merged away
            last_seq = ev[i].line_seqno;
            last_id = (int)ev[i].id;
            if (delivered >= warmup && nlat < edges + 16) {
                lat[nlat++] = t - (int64_t)ev[i].timestamp_ns;
                if (i > 0)
                    together++; // came in one read behind another: this reader was late to both
            }
            delivered++;
        }
    }
    if (!child_done)
        waitpid(child, &child_status, 0);
    close(lfd);
    int stimulus_ok = WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0;
    if (!stimulus_ok)
        fprintf(stderr, "gpio_reader: the stimulus failed (status %d)\n", child_status);

    qsort(lat, (size_t)nlat, sizeof *lat, cmp_i64);
    int64_t p50 = pct(lat, nlat, 50), p99 = pct(lat, nlat, 99), mx = nlat ? lat[nlat - 1] : 0;
    int64_t mn = nlat ? lat[0] : 0;
    printf("C_READER: count=%d p50_ns=%lld p99_ns=%lld max_ns=%lld min_ns=%lld generated=%d delivered=%d lost=%ld merged=%ld "
           "pending_together=%ld sched=%s\n",
           nlat, (long long)p50, (long long)p99, (long long)mx, (long long)mn, generated, delivered, lost, merged, together, sched);
    FILE *f = fopen(json, "w");
    if (f) {
        fprintf(f,
                "{\"reader\": \"c\", \"sched\": \"%s\", \"chip\": \"%s\", \"line\": %u, \"interval_us\": %ld, \"warmup\": %d, \"warmup_ms\": %ld, "
                "\"generated\": %d, \"delivered\": %d, \"lost\": %ld, \"merged\": %ld, \"pending_together\": %ld, "
                "\"edge_to_handler\": {\"count\": %d, \"min_ns\": %lld, \"p50_ns\": %lld, \"p99_ns\": %lld, \"max_ns\": %lld}, "
                "\"samples_ns\": [",
                sched, chip, line, interval_us, warmup, warmup_ms, generated, delivered, lost, merged, together, nlat, (long long)mn,
                (long long)p50, (long long)p99, (long long)mx);
        for (int i = 0; i < nlat; i++)
            fprintf(f, i ? ",%lld" : "%lld", (long long)lat[i]);
        fprintf(f, "]}\n");
        fclose(f);
    } else {
        fprintf(stderr, "gpio_reader: cannot write %s: %s\n", json, strerror(errno));
        return 1;
    }
    free(lat);
    return nlat > 0 && stimulus_ok ? 0 : 1;
}
