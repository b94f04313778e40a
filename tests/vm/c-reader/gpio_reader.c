// gpio_reader: the C floor for DpcPi's edge->handler latency, measured in the VM tier.
//
// Requests one line of a (gpio-sim) chip with both edges through the GPIO uAPI v2 ioctls, drives
// that line itself from a second thread by writing "pull-up"/"pull-down" to the simulator's sysfs
// pull file at a fixed interval, and for each edge event records
//     latency = clock_gettime(CLOCK_MONOTONIC) at the moment read() returns - event.timestamp_ns
// (event timestamps are CLOCK_MONOTONIC by default). Prints one parseable line
//     C_READER: count=N p50_ns=.. p99_ns=.. max_ns=.. generated=.. delivered=.. lost=.. merged=..
// and writes the same as JSON.
//
// usage: gpio_reader <chip> <line> <pull-file> <edges> <interval_us> <json-out> [warmup]
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static const char *g_pull;
static int g_edges;
static long g_interval_us;
static volatile int g_driver_done;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_pull(int fd, int up) {
    const char *s = up ? "pull-up" : "pull-down";
    return pwrite(fd, s, strlen(s), 0) < 0 ? -1 : 0;
}

static void *driver(void *arg) {
    (void)arg;
    int fd = open(g_pull, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "gpio_reader: open %s: %s\n", g_pull, strerror(errno));
        g_driver_done = 1;
        return NULL;
    }
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (int i = 0; i < g_edges; i++) {
        next.tv_nsec += g_interval_us * 1000L;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        if (write_pull(fd, (i % 2) == 0) < 0)
            fprintf(stderr, "gpio_reader: write %s: %s\n", g_pull, strerror(errno));
    }
    close(fd);
    g_driver_done = 1;
    return NULL;
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
    if (argc < 7) {
        fprintf(stderr, "usage: %s <chip> <line> <pull-file> <edges> <interval_us> <json-out> [warmup]\n", argv[0]);
        return 2;
    }
    const char *chip = argv[1];
    unsigned line = (unsigned)atoi(argv[2]);
    g_pull = argv[3];
    g_edges = atoi(argv[4]);
    g_interval_us = atol(argv[5]);
    const char *json = argv[6];
    int warmup = argc > 7 ? atoi(argv[7]) : 10;

    // Known starting level: low.
    int pfd = open(g_pull, O_WRONLY | O_CLOEXEC);
    if (pfd < 0 || write_pull(pfd, 0) < 0) {
        fprintf(stderr, "gpio_reader: cannot drive %s: %s\n", g_pull, strerror(errno));
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

    int64_t *lat = calloc((size_t)g_edges + 16, sizeof *lat);
    int nlat = 0, delivered = 0;
    uint32_t last_seq = 0;
    long lost = 0, merged = 0;
    int last_id = GPIO_V2_LINE_EVENT_FALLING_EDGE; // level starts low
    pthread_t th;
    pthread_create(&th, NULL, driver, NULL);

    struct gpio_v2_line_event ev[16];
    for (;;) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        int r = poll(&p, 1, g_driver_done ? 500 : 2000);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (g_driver_done)
                break;
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
            if (delivered >= warmup && nlat < g_edges + 16)
                lat[nlat++] = t - (int64_t)ev[i].timestamp_ns;
            delivered++;
        }
    }
    pthread_join(th, NULL);
    close(lfd);

    qsort(lat, (size_t)nlat, sizeof *lat, cmp_i64);
    int64_t p50 = pct(lat, nlat, 50), p99 = pct(lat, nlat, 99), mx = nlat ? lat[nlat - 1] : 0;
    int64_t mn = nlat ? lat[0] : 0;
    printf("C_READER: count=%d p50_ns=%lld p99_ns=%lld max_ns=%lld min_ns=%lld generated=%d delivered=%d lost=%ld merged=%ld\n",
           nlat, (long long)p50, (long long)p99, (long long)mx, (long long)mn, g_edges, delivered, lost, merged);
    FILE *f = fopen(json, "w");
    if (f) {
        fprintf(f,
                "{\"reader\": \"c\", \"chip\": \"%s\", \"line\": %u, \"interval_us\": %ld, \"warmup\": %d, "
                "\"generated\": %d, \"delivered\": %d, \"lost\": %ld, \"merged\": %ld, "
                "\"edge_to_handler\": {\"count\": %d, \"min_ns\": %lld, \"p50_ns\": %lld, \"p99_ns\": %lld, \"max_ns\": %lld}, "
                "\"samples_ns\": [",
                chip, line, g_interval_us, warmup, g_edges, delivered, lost, merged, nlat, (long long)mn,
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
    return nlat > 0 ? 0 : 1;
}
