// dpcpi-labdev: the jumpers and parts of DpcPi's labs, played on a gpio-sim chip (VM tier).
//
// Why: each lab's checks (counts, widths, deadlines) must hold through the real kernel path, where a
// gpio-sim chip stands in for the Pi's header. A jumper from an output to an input is realised by
// mirroring every value the lab sets on the output onto the input's simulated pull; a button, an
// encoder and an HC-SR04 are played onto the pull files the way the real parts would move the lines.
//
// Why the kernel's gpio:gpio_value trace event and not polling sim_gpioN/value: gpio-sim does not
// notify when a consumer sets an output, and the HC-SR04 trigger is a 10 us pulse no poll would
// catch. Every set through the uAPI passes gpiod_set_array_value_complex, which emits gpio_value
// with the global GPIO number (chip base + offset). A private tracefs instance keeps this out of the
// way of anything else that traces.
//
// Why a separate C process: as dpcpi-stimulus, it never shares a process (runtime, JIT, GC) with the
// threads it drives. Why SCHED_FIFO 60 (when permitted), above DpcPi's ISR thread: the parts and jumpers
// are hardware on a Pi, never late because software is busy. It sleeps between writes, so it does not
// starve the lab.
//
// usage: dpcpi-labdev --chip DEV --sysfs DIR [--wire OUT:IN]... [--button LINE:PRESSES]
//                     [--encoder A:B:CW:CCW] [--hcsr04 TRIG:ECHO:WIDTH_US]
//   --wire       every value set on output OUT is mirrored onto input IN (a jumper: a delay line, below)
//   --button     PRESSES presses of a bouncing push button to ground (idle High through the pull-up):
//                4 bounces on close, 3 on release, 1 ms apart; held 80 ms, 200 ms per press
//   --encoder    CW detents clockwise then CCW back; 4 quarter steps 4 ms apart each, A leading clockwise
//   --hcsr04     answers each trigger pulse on TRIG (its falling edge) 250 us later with a WIDTH_US
//                echo on ECHO; a trigger during an echo is ignored, as the sensor does
// Played parts (button, encoder) start once a consumer holds their lines (line info flag USED) and
// 100 ms more, so its bias is applied and its threads run; each prints "LABDEV: <part> done".
// Prints "LABDEV: ready base=N realtime=0|1" once tracing is on. At SIGTERM/SIGINT: one summary line per part,
//   LABDEV: wire 17->27 rising=N falling=N overflow=N   (overflow: sets the delay line had no room for)
//   LABDEV: button 17 presses=N edges=N max_burst_gap_ns=N   (the widest bounce gap, upper bound)
//   LABDEV: encoder 5:6 cw=N ccw=N edges=N
//   LABDEV: hcsr04 23->24 triggers=N echoes=N ignored=N width_lo_ns=N width_hi_ns=N
// (width_lo/hi: the narrowest and widest an echo can have been, from the time before and after each
// of its two writes), then exits 0. Exit 1: a write failed; 2: bad usage, no tracefs or no chip.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINES 64
#define MAX_WIRES 8
#define TRACEFS "/sys/kernel/tracing"

static volatile sig_atomic_t g_stop;
static volatile int g_write_failed;
static int g_chipfd = -1;
static int g_pull[MAX_LINES];
static unsigned g_nlines;
static const char *g_sysfs;
static char g_instance[128];

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// Relative sleeps: a late wake-up delays what follows instead of bunching it.
static void sleep_ns(int64_t ns) {
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR && !g_stop) {
    }
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "dpcpi-labdev: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

// Moves line's simulated pull; before/after bracket the write (the kernel stamps the edge in between).
static void set_pull(unsigned line, int level, int64_t *before, int64_t *after) {
    const char *s = level ? "pull-up" : "pull-down";
    int64_t b = now_ns();
    if (pwrite(g_pull[line], s, strlen(s), 0) < 0) {
        fprintf(stderr, "dpcpi-labdev: writing %s to line %u failed: %s\n", s, line, strerror(errno));
        g_write_failed = 1;
    }
    if (before) *before = b;
    if (after) *after = now_ns();
}

static int line_used(unsigned line) {
    struct gpio_v2_line_info info;
    memset(&info, 0, sizeof info);
    info.offset = line;
    if (ioctl(g_chipfd, GPIO_V2_GET_LINEINFO_IOCTL, &info) < 0) return 0;
    return (info.flags & GPIO_V2_LINE_FLAG_USED) != 0;
}

// Waits until a consumer holds lines a and b (b < 0: only a), then 100 ms for it to settle.
static int wait_used(int a, int b) {
    while (!g_stop) {
        if (line_used((unsigned)a) && (b < 0 || line_used((unsigned)b))) {
            sleep_ns(100000000LL);
            return !g_stop;
        }
        sleep_ns(10000000LL);
    }
    return 0;
}

static void write_file(const char *path, const char *value, int required) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, strlen(value)) < 0) {
        if (required) die(path, strerror(errno));
    }
    if (fd >= 0) close(fd);
}

static int read_long_file(const char *path, long *v) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int ok = fscanf(f, "%ld", v) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

// The chip's global GPIO base (trace events name lines by it): the /sys/class/gpio chip with the same
// label and line count. Two such chips would be ambiguous.
static long chip_base(const char *label, unsigned nlines) {
    DIR *d = opendir("/sys/class/gpio");
    if (!d) die("/sys/class/gpio is missing (a kernel without CONFIG_GPIO_SYSFS)", NULL);
    long base = -1;
    int matches = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "gpiochip", 8)) continue;
        char p[512], l[64] = "";
        long n = -1, b = -1;
        snprintf(p, sizeof p, "/sys/class/gpio/%s/label", e->d_name);
        FILE *f = fopen(p, "r");
        if (!f) continue;
        if (!fgets(l, sizeof l, f)) l[0] = 0;
        fclose(f);
        l[strcspn(l, "\n")] = 0;
        snprintf(p, sizeof p, "/sys/class/gpio/%s/ngpio", e->d_name);
        read_long_file(p, &n);
        snprintf(p, sizeof p, "/sys/class/gpio/%s/base", e->d_name);
        read_long_file(p, &b);
        if (!strcmp(l, label) && n == (long)nlines && b >= 0) {
            base = b;
            matches++;
        }
    }
    closedir(d);
    if (matches != 1) die("cannot tell the chip's GPIO base: chips in /sys/class/gpio with its label and size", matches ? "more than one" : "none");
    return base;
}

static int trace_open(void) {
    struct stat st;
    if (stat(TRACEFS "/instances", &st) != 0) {
        mkdir(TRACEFS, 0755);
        if (mount("nodev", TRACEFS, "tracefs", 0, NULL) != 0 && stat(TRACEFS "/instances", &st) != 0)
            die("cannot mount tracefs on " TRACEFS, strerror(errno));
    }
    snprintf(g_instance, sizeof g_instance, TRACEFS "/instances/dpcpi-labdev-%d", (int)getpid());
    if (mkdir(g_instance, 0755) != 0) die(g_instance, strerror(errno));
    char p[256];
    // Event times on CLOCK_MONOTONIC, the clock this process sleeps on.
    snprintf(p, sizeof p, "%s/trace_clock", g_instance);
    write_file(p, "mono", 1);
    snprintf(p, sizeof p, "%s/buffer_size_kb", g_instance);
    write_file(p, "2048", 0);
    snprintf(p, sizeof p, "%s/events/gpio/gpio_value/filter", g_instance);
    write_file(p, "get == 0", 0);
    snprintf(p, sizeof p, "%s/events/gpio/gpio_value/enable", g_instance);
    write_file(p, "1", 1);
    snprintf(p, sizeof p, "%s/trace_pipe", g_instance);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(p, strerror(errno));
    return fd;
}

static void trace_close(int fd) {
    char p[256];
    close(fd);
    snprintf(p, sizeof p, "%s/events/gpio/gpio_value/enable", g_instance);
    write_file(p, "0", 0);
    rmdir(g_instance);
}

// --- parts -------------------------------------------------------------------------------------------

// A jumper is a delay line: each value set on the output is written to the input WIRE_DELAY_NS after
// the kernel traced the set, and never closer to the previous write than the two sets were, so a late
// wake-up of this process shifts the following edges instead of bunching them (bunched writes would
// reach the kernel faster than its IRQ thread takes them, and it would merge them).
#define WIRE_DELAY_NS 2000000LL
#define WIRE_QUEUE 8192
struct wire {
    unsigned out, in;
    int level; // the input's level as last written; -1 before the first set
    long rising, falling, overflow;
    int64_t queue_ns[WIRE_QUEUE];
    int queue_value[WIRE_QUEUE];
    unsigned head, tail; // written by the trace reader / the wire's thread only
    pthread_mutex_t lock;
    pthread_cond_t more;
    pthread_t thread;
};
static struct wire g_wires[MAX_WIRES];
static int g_nwires;

struct button {
    int on;
    unsigned line;
    long presses, done_presses, edges;
    int64_t max_gap_ns;
};
static struct button g_button;

struct encoder {
    int on;
    unsigned a, b;
    long cw, ccw, done_cw, done_ccw, edges;
};
static struct encoder g_encoder;

struct hcsr04 {
    int on;
    unsigned trig, echo;
    long width_us;
    int trig_high;
    volatile int busy;
    long triggers, echoes, ignored;
    int64_t lo_ns, hi_ns;
    int efd;
};
static struct hcsr04 g_hc;

static void sleep_until(int64_t t) {
    struct timespec ts = {.tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !g_stop) {
    }
}

// The trace reader's side: one set of the output, at the kernel's time t_ns.
static void wire_push(struct wire *w, int64_t t_ns, int value) {
    pthread_mutex_lock(&w->lock);
    if (w->tail - w->head == WIRE_QUEUE) {
        w->overflow++;
    } else {
        w->queue_ns[w->tail % WIRE_QUEUE] = t_ns;
        w->queue_value[w->tail % WIRE_QUEUE] = value;
        w->tail++;
        pthread_cond_signal(&w->more);
    }
    pthread_mutex_unlock(&w->lock);
}

static void *wire_thread(void *arg) {
    struct wire *w = arg;
    int64_t last_set = 0, last_write = 0;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (w->head == w->tail && !g_stop) pthread_cond_wait(&w->more, &w->lock);
        if (w->head == w->tail) {
            pthread_mutex_unlock(&w->lock);
            return NULL;
        }
        int64_t t = w->queue_ns[w->head % WIRE_QUEUE];
        int value = w->queue_value[w->head % WIRE_QUEUE];
        w->head++;
        pthread_mutex_unlock(&w->lock);
        int64_t at = t + WIRE_DELAY_NS;
        if (last_write && at < last_write + (t - last_set)) at = last_write + (t - last_set);
        sleep_until(at);
        last_set = t;
        last_write = at > now_ns() ? at : now_ns();
        if (w->level < 0) { // first set: the input is where the consumer's bias put it
            char p[512];
            long v = 0;
            snprintf(p, sizeof p, "%s/sim_gpio%u/value", g_sysfs, w->in);
            w->level = read_long_file(p, &v) == 0 ? (v != 0) : !value;
        }
        if (value == w->level) continue;
        set_pull(w->in, value, NULL, NULL);
        w->level = value;
        if (value) w->rising++;
        else w->falling++;
    }
}

// One bouncing transition to `level`: the contact makes, bounces `bounces` times, settles.
static void bounce(unsigned line, int level, int bounces) {
    int64_t before, after;
    set_pull(line, level, &before, &after);
    g_button.edges++;
    for (int i = 0; i < 2 * bounces; i++) {
        int64_t prev_before = before;
        sleep_ns(1000000);
        set_pull(line, (i % 2 == 0) ? !level : level, &before, &after);
        g_button.edges++;
        // the widest this gap between two edges can have been
        if (after - prev_before > g_button.max_gap_ns) g_button.max_gap_ns = after - prev_before;
    }
}

static void *button_thread(void *arg) {
    (void)arg;
    if (!wait_used((int)g_button.line, -1)) return NULL;
    for (long i = 0; i < g_button.presses && !g_stop; i++) {
        bounce(g_button.line, 0, 4); // press: to ground
        sleep_ns(80000000LL);
        bounce(g_button.line, 1, 3); // release: the pull-up
        g_button.done_presses++;
        sleep_ns(120000000LL);
    }
    if (!g_stop) printf("LABDEV: button done\n");
    return NULL;
}

static void quarter(unsigned line, int level) {
    set_pull(line, level, NULL, NULL);
    g_encoder.edges++;
    sleep_ns(4000000LL);
}

static void *encoder_thread(void *arg) {
    (void)arg;
    if (!wait_used((int)g_encoder.a, (int)g_encoder.b)) return NULL;
    // At rest both contacts are open: A and B High through the pull-ups.
    for (long i = 0; i < g_encoder.cw && !g_stop; i++) {
        quarter(g_encoder.a, 0), quarter(g_encoder.b, 0), quarter(g_encoder.a, 1), quarter(g_encoder.b, 1);
        g_encoder.done_cw++;
        sleep_ns(30000000LL);
    }
    for (long i = 0; i < g_encoder.ccw && !g_stop; i++) {
        quarter(g_encoder.b, 0), quarter(g_encoder.a, 0), quarter(g_encoder.b, 1), quarter(g_encoder.a, 1);
        g_encoder.done_ccw++;
        sleep_ns(30000000LL);
    }
    if (!g_stop) printf("LABDEV: encoder done\n");
    return NULL;
}

static void *echo_thread(void *arg) {
    (void)arg;
    uint64_t n;
    while (!g_stop && read(g_hc.efd, &n, sizeof n) == (ssize_t)sizeof n) {
        int64_t rb, ra, fb, fa;
        sleep_ns(250000); // the sensor's 8 cycles of 40 kHz before ECHO rises
        set_pull(g_hc.echo, 1, &rb, &ra);
        sleep_ns(g_hc.width_us * 1000LL);
        set_pull(g_hc.echo, 0, &fb, &fa);
        if (g_hc.echoes == 0 || fb - ra < g_hc.lo_ns) g_hc.lo_ns = fb - ra;
        if (fa - rb > g_hc.hi_ns) g_hc.hi_ns = fa - rb;
        g_hc.echoes++;
        g_hc.busy = 0;
    }
    return NULL;
}

static void on_set(unsigned line, int value, int64_t t_ns) {
    for (int i = 0; i < g_nwires; i++)
        if (g_wires[i].out == line) wire_push(&g_wires[i], t_ns, value);
    if (g_hc.on && line == g_hc.trig) {
        if (value) {
            g_hc.trig_high = 1;
        } else if (g_hc.trig_high) {
            g_hc.trig_high = 0;
            g_hc.triggers++;
            if (g_hc.busy) {
                g_hc.ignored++;
            } else {
                uint64_t one = 1;
                g_hc.busy = 1;
                if (write(g_hc.efd, &one, sizeof one) < 0) g_hc.busy = 0;
            }
        }
    }
}

// The event's time: the "<seconds>.<microseconds>:" field just before the event name.
static int64_t trace_time(const char *line, const char *ev) {
    const char *end = ev;
    while (end > line && (end[-1] == ' ' || end[-1] == ':')) end--;
    const char *start = end;
    while (start > line && start[-1] != ' ') start--;
    long long sec = 0, usec = 0;
    if (sscanf(start, "%lld.%6lld", &sec, &usec) != 2) return now_ns();
    return sec * 1000000000LL + usec * 1000LL;
}

// Handles the complete lines in buf[0..len); returns how many bytes of a partial last line it kept at the start.
// trace_pipe lines: "<task>-<pid> [cpu] <flags> <time>: gpio_value: <gpio> set <value>"
static size_t trace_lines(char *buf, size_t len, long base) {
    buf[len] = 0;
    char *line = buf, *nl;
    while ((nl = strchr(line, '\n'))) {
        *nl = 0;
        char *ev = strstr(line, "gpio_value: ");
        unsigned gpio;
        char op[4];
        int value;
        if (ev && sscanf(ev + 12, "%u %3s %d", &gpio, op, &value) == 3 && !strcmp(op, "set") && gpio >= base && gpio - base < g_nlines)
            on_set(gpio - (unsigned)base, value != 0, trace_time(line, ev));
        line = nl + 1;
    }
    size_t have = (size_t)(buf + len - line);
    memmove(buf, line, have);
    return have == (1 << 16) - 1 ? 0 : have; // a line longer than the buffer: not ours
}

static unsigned parse_line(const char *flag, const char *s, char **end) {
    errno = 0;
    long v = strtol(s, end, 10);
    if (errno || *end == s || v < 0 || v >= (long)g_nlines || v >= MAX_LINES) {
        fprintf(stderr, "dpcpi-labdev: %s: '%s' is not a line of the chip (0-%u)\n", flag, s, g_nlines - 1);
        exit(2);
    }
    return (unsigned)v;
}

static long parse_count(const char *flag, const char *s, char **end) {
    errno = 0;
    long v = strtol(s, end, 10);
    if (errno || *end == s || v < 0) {
        fprintf(stderr, "dpcpi-labdev: %s: '%s' is not a whole number >= 0\n", flag, s);
        exit(2);
    }
    return v;
}

static void expect_sep(const char *flag, char **p) {
    if (**p != ':') {
        fprintf(stderr, "dpcpi-labdev: %s: expected ':' at '%s'\n", flag, *p);
        exit(2);
    }
    (*p)++;
}

int main(int argc, char **argv) {
    const char *chip = NULL, *sysfs = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--chip")) chip = argv[i + 1];
        else if (!strcmp(argv[i], "--sysfs")) sysfs = argv[i + 1];
    }
    if (argc % 2 == 0) die("every option takes one value", NULL);
    if (!chip || !sysfs) die("usage: dpcpi-labdev --chip DEV --sysfs DIR [--wire OUT:IN]... [--button LINE:N] [--encoder A:B:CW:CCW] [--hcsr04 TRIG:ECHO:US]", NULL);
    g_chipfd = open(chip, O_RDWR | O_CLOEXEC);
    if (g_chipfd < 0) die(chip, strerror(errno));
    struct gpiochip_info ci;
    memset(&ci, 0, sizeof ci);
    if (ioctl(g_chipfd, GPIO_GET_CHIPINFO_IOCTL, &ci) < 0) die(chip, strerror(errno));
    g_nlines = ci.lines;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *flag = argv[i];
        char *p = argv[i + 1];
        if (!strcmp(flag, "--chip") || !strcmp(flag, "--sysfs")) continue;
        if (!strcmp(flag, "--wire")) {
            if (g_nwires == MAX_WIRES) die("too many --wire", NULL);
            struct wire *w = &g_wires[g_nwires++];
            w->out = parse_line(flag, p, &p);
            expect_sep(flag, &p);
            w->in = parse_line(flag, p, &p);
            w->level = -1;
            pthread_mutex_init(&w->lock, NULL);
            pthread_cond_init(&w->more, NULL);
        } else if (!strcmp(flag, "--button")) {
            g_button.on = 1;
            g_button.line = parse_line(flag, p, &p);
            expect_sep(flag, &p);
            g_button.presses = parse_count(flag, p, &p);
        } else if (!strcmp(flag, "--encoder")) {
            g_encoder.on = 1;
            g_encoder.a = parse_line(flag, p, &p);
            expect_sep(flag, &p);
            g_encoder.b = parse_line(flag, p, &p);
            expect_sep(flag, &p);
            g_encoder.cw = parse_count(flag, p, &p);
            expect_sep(flag, &p);
            g_encoder.ccw = parse_count(flag, p, &p);
        } else if (!strcmp(flag, "--hcsr04")) {
            g_hc.on = 1;
            g_hc.trig = parse_line(flag, p, &p);
            expect_sep(flag, &p);
            g_hc.echo = parse_line(flag, p, &p);
            expect_sep(flag, &p);
            g_hc.width_us = parse_count(flag, p, &p);
        } else {
            fprintf(stderr, "dpcpi-labdev: unknown option %s\n", flag);
            return 2;
        }
        if (*p) {
            fprintf(stderr, "dpcpi-labdev: %s: unexpected '%s'\n", flag, p);
            return 2;
        }
    }
    for (unsigned l = 0; l < g_nlines && l < MAX_LINES; l++) {
        char p[512];
        snprintf(p, sizeof p, "%s/sim_gpio%u/pull", sysfs, l);
        g_pull[l] = open(p, O_WRONLY | O_CLOEXEC);
        if (g_pull[l] < 0) die(p, strerror(errno));
    }
    g_sysfs = sysfs;
    long base = chip_base(ci.label, ci.lines);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sched_param sp = {.sched_priority = 60};
    int realtime = sched_setscheduler(0, SCHED_FIFO, &sp) == 0; // threads created below inherit it

    // Signals go to the trace reader (this thread) only, so its blocking read ends with EINTR.
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int tfd = trace_open();
    pthread_t t;
    if (g_hc.on) {
        g_hc.efd = eventfd(0, EFD_CLOEXEC);
        if (g_hc.efd < 0 || pthread_create(&t, NULL, echo_thread, NULL)) die("cannot start the HC-SR04", strerror(errno));
    }
    for (int i = 0; i < g_nwires; i++)
        if (pthread_create(&g_wires[i].thread, NULL, wire_thread, &g_wires[i])) die("cannot start a wire", NULL);
    if (g_button.on && pthread_create(&t, NULL, button_thread, NULL)) die("cannot start the button", NULL);
    if (g_encoder.on && pthread_create(&t, NULL, encoder_thread, NULL)) die("cannot start the encoder", NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    printf("LABDEV: ready base=%ld realtime=%d\n", base, realtime);

    static char buf[1 << 16];
    size_t have = 0;
    while (!g_stop) {
        ssize_t n = read(tfd, buf + have, sizeof buf - 1 - have);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            break;
        }
        have = trace_lines(buf, have + (size_t)n, base);
    }
    // Stopped: the sets already traced but not yet read still belong to the run (the lab's last edges).
    fcntl(tfd, F_SETFL, fcntl(tfd, F_GETFL) | O_NONBLOCK);
    for (ssize_t n; (n = read(tfd, buf + have, sizeof buf - 1 - have)) > 0;) have = trace_lines(buf, have + (size_t)n, base);
    trace_close(tfd);
    for (int n = 0; g_hc.on && g_hc.busy && n < 100; n++) sleep_ns(10000000LL); // an echo under way ends first
    // Each wire writes what it was given (the lab may still be reading), then ends: its thread leaves only
    // with its queue empty and its last write made.
    for (int i = 0; i < g_nwires; i++) {
        pthread_mutex_lock(&g_wires[i].lock);
        pthread_cond_broadcast(&g_wires[i].more);
        pthread_mutex_unlock(&g_wires[i].lock);
        pthread_join(g_wires[i].thread, NULL);
    }
    for (int i = 0; i < g_nwires; i++)
        printf("LABDEV: wire %u->%u rising=%ld falling=%ld overflow=%ld\n", g_wires[i].out, g_wires[i].in, g_wires[i].rising, g_wires[i].falling, g_wires[i].overflow);
    if (g_button.on)
        printf("LABDEV: button %u presses=%ld edges=%ld max_burst_gap_ns=%lld\n", g_button.line, g_button.done_presses, g_button.edges, (long long)g_button.max_gap_ns);
    if (g_encoder.on)
        printf("LABDEV: encoder %u:%u cw=%ld ccw=%ld edges=%ld\n", g_encoder.a, g_encoder.b, g_encoder.done_cw, g_encoder.done_ccw, g_encoder.edges);
    if (g_hc.on)
        printf("LABDEV: hcsr04 %u->%u triggers=%ld echoes=%ld ignored=%ld width_lo_ns=%lld width_hi_ns=%lld\n", g_hc.trig, g_hc.echo, g_hc.triggers, g_hc.echoes, g_hc.ignored, (long long)g_hc.lo_ns, (long long)g_hc.hi_ns);
    return g_write_failed ? 1 : 0;
}
