using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using DpcPi.Platform;
using DpcPi.SystemDeviceGpio;
using Lines = DpcPi.Gpio;

// The C# contenders of the VM tier's System.Device.Gpio comparison (driven by tests/vm/compare.sh; the
// C contender, tests/vm/c-reader/gpio_listen.c, speaks the same protocol):
//   dpcpi-reader   DpcPi's uAPI v2 line request, read on one thread that waits in epoll (no DPCs)
//   dpcpi-driver   DpcPiGpioDriver under a GpioController: ISR thread -> ring -> DpcForIsr -> callback
//                  (dpcpi-driver-worker...: variants of its kernel settings, see DriverOptions)
//   libgpiod       System.Device.Gpio's LibGpiodDriver (libgpiod v1) under a GpioController
//   sysfs          System.Device.Gpio's SysFsDriver (/sys/class/gpio) under a GpioController
// Each opens <idle-lines> lines with both edges (the edge line first), counts its own context switches
// over 2 s with nothing arriving (the idle cost; written to <log>.idle), writes <log>.ready and then
// records, per callback on the edge line, "handler_ns kernel_ts_ns line_seqno lost_before" (0 where
// the contender cannot know) until SIGTERM, when it writes them to <log>. The stimulus is a separate
// process started by the script; the host matches handler times to the stimulus's write log.
// usage: dpcpi-vm-sdg <dpcpi-reader|dpcpi-driver|libgpiod|sysfs> <chip-device> <line> <log> [idle-lines]
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: dpcpi-vm-sdg <dpcpi-reader|dpcpi-driver|libgpiod|sysfs> <chip-device> <line> <log> [idle-lines]");
    return 2;
}

var inv = CultureInfo.InvariantCulture;
var kind = args[0];
var chipPath = args[1];
var line = int.Parse(args[2], inv);
var logPath = args[3];
var idleLines = args.Length > 4 ? int.Parse(args[4], inv) : 1;
var pins = new[] { line }.Concat(Enumerable.Range(0, 64).Where(o => o != line)).Take(idleLines).ToArray();

var rec = new Recorder(1 << 20);
using var stop = new ManualResetEventSlim();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Set();
});

IDisposable contender = kind switch
{
    "dpcpi-reader" => new DpcPiReader(chipPath, pins, rec),
    _ when kind.StartsWith("dpcpi-driver", StringComparison.Ordinal) => Controller(DpcPiGpioDriver.ForChip(chipPath, DriverOptions(kind)), pins, rec, pin => pin),
    "libgpiod" => Controller(new LibGpiodDriver(ChipNumber(chipPath)), pins, rec, pin => pin),
    "sysfs" => SysFs(chipPath, pins, rec),
    _ => throw new ArgumentException($"unknown contender '{kind}'"),
};

// Idle cost: the context switches of every thread while nothing arrives, after a settling second; the
// main thread (asleep here) is left out. Per thread too, so the runtime's own wake-ups show apart.
Thread.Sleep(1000);
var c0 = ContextSwitches();
var t0 = MonotonicClock.NowNs;
Thread.Sleep(2000);
var c1 = ContextSwitches();
var secs = (MonotonicClock.NowNs - t0) / 1e9;
var perThread = c1.Where(kv => kv.Key != Environment.ProcessId).Select(kv => (Name: kv.Value.Name, Delta: kv.Value.Count - (c0.TryGetValue(kv.Key, out var b) ? b.Count : 0)))
    .Where(x => x.Delta > 0).OrderByDescending(x => x.Delta).ToList();
var idle = perThread.Sum(x => x.Delta) / secs;
File.WriteAllText(logPath + ".idle", string.Create(inv, $"idle_wakeups_per_s={idle:F1} lines={pins.Length} threads={string.Join(';', perThread.Select(x => $"{x.Name.Replace(' ', '_')}:{x.Delta / secs:F1}"))}\n"));
File.WriteAllText(logPath + ".ready", "");

stop.Wait();
contender.Dispose();
var sb = new StringBuilder();
for (var i = 0; i < rec.Count; i++)
{
    sb.Append(inv, $"{rec.Handler[i]} {rec.Kernel[i]} {rec.Seqno[i]} {rec.LostBefore[i]}\n");
}

File.WriteAllText(logPath, sb.ToString());
Console.WriteLine(string.Create(inv, $"SDG_LISTEN: contender={kind} events={rec.Count} dropped_records={rec.Overflow}"));
return 0;

// dpcpi-driver: the driver's defaults (DpcPiGpioDriverOptions.DefaultKernel). dpcpi-driver-worker[-inline][-nopin][-block]:
// DpcPi's general kernel defaults (a DPC worker per pinned core), or with the ISR thread running its core's DPCs,
// threads not pinned to cores, workers that block at once instead of spinning first.
static DpcPiGpioDriverOptions? DriverOptions(string kind)
{
    if (kind == "dpcpi-driver")
    {
        return null;
    }

    var k = new DpcPi.Kernel.KernelOptions
    {
        RunLocalDpcsOnIsrThread = kind.Contains("-inline", StringComparison.Ordinal),
        Pin = !kind.Contains("-nopin", StringComparison.Ordinal),
    };
    if (kind.Contains("-block", StringComparison.Ordinal))
    {
        k.WaitStrategy = DpcPi.Kernel.DpcWaitStrategy.Blocking;
    }

    return new DpcPiGpioDriverOptions { Kernel = k };
}

static int ChipNumber(string path)
{
    var name = Path.GetFileName(path);
    return name.StartsWith("gpiochip", StringComparison.Ordinal) ? int.Parse(name.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture)
        : throw new ArgumentException($"{path}: not a /dev/gpiochipN device");
}

// SysFsDriver numbers pins globally (chip base + offset) unless the chip's label starts with "pinctrl".
static IDisposable SysFs(string chipPath, int[] pins, Recorder rec)
{
    var label = new Lines.LinuxGpioBackend().GetChip(chipPath).Label;
    var dir = Directory.GetDirectories("/sys/class/gpio", "gpiochip*")
        .FirstOrDefault(d => File.ReadAllText(Path.Combine(d, "label")).Trim() == label)
        ?? throw new InvalidOperationException($"no /sys/class/gpio/gpiochip* has the label {label} (CONFIG_GPIO_SYSFS?)");
    var chipBase = int.Parse(File.ReadAllText(Path.Combine(dir, "base")).Trim(), CultureInfo.InvariantCulture);
    return Controller(new SysFsDriver(), pins, rec, pin => chipBase + pin);
}

static IDisposable Controller(GpioDriver driver, int[] offsets, Recorder rec, Func<int, int> pinOf)
{
    var controller = new GpioController(driver);
    var edgePin = pinOf(offsets[0]);
    foreach (var offset in offsets)
    {
        var pin = pinOf(offset);
        controller.OpenPin(pin, PinMode.Input);
        controller.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising | PinEventTypes.Falling, (_, e) =>
        {
            var t = MonotonicClock.NowNs;
            if (e.PinNumber != edgePin)
            {
                return;
            }

            if (e is DpcPiPinValueChangedEventArgs d)
            {
                rec.Add(t, d.TimestampNs, d.LineSequence, d.LostBefore);
            }
            else
            {
                rec.Add(t, 0, 0, 0);
            }
        });
    }

    return controller;
}

// Per thread id: its name and its context switches so far (voluntary + involuntary).
static Dictionary<int, (string Name, long Count)> ContextSwitches()
{
    var result = new Dictionary<int, (string, long)>();
    foreach (var task in Directory.GetDirectories("/proc/self/task"))
    {
        try
        {
            string name = "?";
            long sum = 0;
            foreach (var l in File.ReadLines(Path.Combine(task, "status")))
            {
                if (l.StartsWith("Name:", StringComparison.Ordinal))
                {
                    name = l[5..].Trim();
                }
                else if (l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || l.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    sum += long.Parse(l.AsSpan(l.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                }
            }

            result[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (name, sum);
        }
        catch (IOException)
        {
            // the thread ended between listing and reading
        }
    }

    return result;
}

/// <summary>Handler records, preallocated: a callback only stores four numbers.</summary>
internal sealed class Recorder(int capacity)
{
    private int _next = -1;

    public long[] Handler { get; } = new long[capacity];
    public long[] Kernel { get; } = new long[capacity];
    public uint[] Seqno { get; } = new uint[capacity];
    public long[] LostBefore { get; } = new long[capacity];
    public int Count => Math.Min(Volatile.Read(ref _next) + 1, Handler.Length);
    public long Overflow => Math.Max(0, Volatile.Read(ref _next) + 1 - Handler.Length);

    public void Add(long handlerNs, long kernelNs, uint seqno, long lostBefore)
    {
        var i = Interlocked.Increment(ref _next);
        if (i < Handler.Length)
        {
            Handler[i] = handlerNs;
            Kernel[i] = kernelNs;
            Seqno[i] = seqno;
            LostBefore[i] = lostBefore;
        }
    }
}

/// <summary>DpcPi's line request read directly: one thread waits in epoll and reads batches, as a C reader does.</summary>
internal sealed class DpcPiReader : IDisposable
{
    private readonly Lines.GpioLineRequest _request;
    private readonly EventFd _stop = new();
    private readonly Thread _thread;

    public DpcPiReader(string chip, int[] offsets, Recorder rec)
    {
        var options = new Lines.GpioLineRequestOptions("dpcpi-vm-sdg");
        foreach (var o in offsets)
        {
            options.Add(o, Lines.GpioLineSettings.Input(Lines.PinEventTypes.Rising | Lines.PinEventTypes.Falling));
        }

        _request = new Lines.LinuxGpioBackend().RequestLines(chip, options);
        var line = offsets[0];
        _thread = new Thread(() => Run(rec, line)) { Name = "dpcpi-reader", IsBackground = true };
        _thread.Start();
    }

    private void Run(Recorder rec, int line)
    {
        using var epoll = new Epoll(4);
        epoll.Add(_request.ReadinessHandle, 1);
        epoll.Add(_stop.Handle, 2);
        Span<ulong> cookies = stackalloc ulong[4];
        Span<uint> events = stackalloc uint[4];
        var batch = new Lines.GpioEdgeEvent[16];
        uint last = 0;
        while (true)
        {
            var n = epoll.Wait(cookies, events, -1);
            for (var i = 0; i < n; i++)
            {
                if (cookies[i] == 2)
                {
                    return;
                }

                var got = _request.ReadEdgeEvents(batch);
                var t = MonotonicClock.NowNs;
                for (var k = 0; k < got; k++)
                {
                    ref readonly var e = ref batch[k];
                    if (e.Offset != line)
                    {
                        continue;
                    }

                    var gap = e.LineSeqno > last + 1 ? e.LineSeqno - last - 1 : 0;
                    last = e.LineSeqno;
                    rec.Add(t, e.TimestampNs, e.LineSeqno, gap);
                }
            }
        }
    }

    public void Dispose()
    {
        _stop.Signal();
        _thread.Join();
        _request.Dispose();
        _stop.Dispose();
    }
}
