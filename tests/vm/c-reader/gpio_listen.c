// gpio_listen: the C contender of the VM tier's System.Device.Gpio comparison (tests/vm/compare.sh).
//
// Requests one line of a (gpio-sim) chip with both edges through the GPIO uAPI v2 ioctls, plus
// <idle-lines> - 1 more lines with edge detection (the idle-cost phase), writes "<log>.ready" and
// then reads edge events until SIGTERM. For every event it keeps
//     handler_ns (CLOCK_MONOTONIC when read() returned)  kernel_ts_ns  line_seqno  lost_before
// and on SIGTERM writes them, one line per event, to <log>. The stimulus runs in its own process,
// started by the tier script; the host matches handler times to the stimulus's write log.
// Before the edges it counts its own context switches over 2 s with the lines open and idle
// ("idle_wakeups_per_s" in <log>.idle): the cost of waiting.
//
// usage: gpio_listen <chip> <line> <log> [idle-lines]
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define CAP (1 << 20)

struct rec {
    int64_t handler_ns, kernel_ns;
    uint32_t seqno, lost_before;
};

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

static long ctx_switches(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_nvcsw + ru.ru_nivcsw;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s <chip> <line> <log> [idle-lines]\n", argv[0]);
        return 2;
    }
    const char *chip = argv[1], *log_path = argv[3];
    unsigned line = (unsigned)atoi(argv[2]);
    int nlines = argc > 4 ? atoi(argv[4]) : 1;
    if (nlines < 1 || nlines > 64) nlines = 1;

    int cfd = open(chip, O_RDWR | O_CLOEXEC);
    if (cfd < 0) {
        fprintf(stderr, "gpio_listen: open %s: %s\n", chip, strerror(errno));
        return 1;
    }
    struct gpio_v2_line_request req;
    memset(&req, 0, sizeof req);
    req.offsets[0] = line;
    for (int i = 1, o = 0; i < nlines; o++)
        if ((unsigned)o != line) req.offsets[i++] = (unsigned)o;
    req.num_lines = (unsigned)nlines;
    snprintf(req.consumer, sizeof req.consumer, "dpcpi-c-listen");
    req.config.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
    req.event_buffer_size = 1024;
    if (ioctl(cfd, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
        fprintf(stderr, "gpio_listen: GPIO_V2_GET_LINE_IOCTL %s line %u: %s\n", chip, line, strerror(errno));
        return 1;
    }
    close(cfd);
    int lfd = req.fd;
    struct rec *recs = calloc(CAP, sizeof *recs);
    if (!recs) return 1;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    // Idle cost: the run's own wait (poll without a timeout; a signal ends it), 2 s with nothing arriving.
    long c0 = ctx_switches();
    int64_t t0 = now_ns();
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    poll(&p, 1, 2000);
    double idle = (double)(ctx_switches() - c0) * 1e9 / (double)(now_ns() - t0);
    char path[4096];
    snprintf(path, sizeof path, "%s.idle", log_path);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "idle_wakeups_per_s=%.1f lines=%d\n", idle, nlines);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s.ready", log_path);
    f = fopen(path, "w");
    if (f) fclose(f);

    size_t n = 0;
    uint32_t last_seq = 0;
    struct gpio_v2_line_event ev[16];
    while (!g_stop) {
        if (poll(&p, 1, -1) <= 0) continue; // SIGTERM interrupts it (no SA_RESTART)
        ssize_t got = read(lfd, ev, sizeof ev);
        int64_t t = now_ns();
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            fprintf(stderr, "gpio_listen: read: %s\n", strerror(errno));
            break;
        }
        for (int i = 0; i < (int)(got / (ssize_t)sizeof ev[0]); i++) {
            if (ev[i].offset != line) continue;
            uint32_t gap = ev[i].line_seqno > last_seq + 1 ? ev[i].line_seqno - last_seq - 1 : 0;
            last_seq = ev[i].line_seqno;
            if (n < CAP) recs[n++] = (struct rec){t, (int64_t)ev[i].timestamp_ns, ev[i].line_seqno, gap};
        }
    }
    close(lfd);
    f = fopen(log_path, "w");
    if (!f) {
        fprintf(stderr, "gpio_listen: cannot write %s: %s\n", log_path, strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%lld %lld %u %u\n", (long long)recs[i].handler_ns, (long long)recs[i].kernel_ns, recs[i].seqno,
                recs[i].lost_before);
    if (fclose(f) != 0) return 1;
    printf("C_LISTEN: events=%zu\n", n);
    return 0;
}
