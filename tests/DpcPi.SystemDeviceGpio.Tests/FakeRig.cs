using System.Device.Gpio;
using DpcPi.Kernel;
using Lines = DpcPi.Gpio;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>A fake 54-line chip, a DpcPi driver on it and a System.Device.Gpio controller over the driver.</summary>
internal sealed class FakeRig : IDisposable
{
    public const string Chip = "gpiochip0";

    public FakeRig(DpcPiGpioDriverOptions? options = null)
    {
        Backend = new Lines.FakeGpioBackend();
        Backend.AddChip(Chip, "fake-bcm2711", 54);
        Driver = new DpcPiGpioDriver(Backend, Chip, options ?? Options());
        Controller = new GpioController(Driver);
    }

    public Lines.FakeGpioBackend Backend { get; }

    public DpcPiGpioDriver Driver { get; }

    public GpioController Controller { get; }

    /// <summary>Driver options for a shared, busy 2-core CI machine: no SCHED_FIFO, no pinning.</summary>
    public static DpcPiGpioDriverOptions Options(int ring = DpcPiGpioDriverOptions.DefaultEventRingCapacity, int kernelBuffer = 1024, bool reuseArgs = false) => new()
    {
        EventRingCapacity = ring,
        KernelEventBufferSize = kernelBuffer,
        ReuseEventArgs = reuseArgs,
        Kernel = new KernelOptions { Realtime = false, Pin = false },
    };

    /// <summary>A raw kernel edge event with an explicit timestamp (whatever the level), as the kernel would report it.</summary>
    public void Edge(int pin, PinEventTypes edge, long timestampNs) =>
        Backend.InjectEdge(Chip, pin, edge == PinEventTypes.Rising ? Lines.PinEventTypes.Rising : Lines.PinEventTypes.Falling, timestampNs);

    /// <summary>Moves the physical level of a line, as a button or sensor would.</summary>
    public void Set(int pin, PinValue level) => Backend.SetInputLevel(Chip, pin, level == PinValue.High ? Lines.PinValue.High : Lines.PinValue.Low);

    public Lines.GpioLineInfo LineInfo(int pin) => Backend.GetLineInfo(Chip, pin);

    /// <summary>Waits for a condition another thread makes true (polling, with a generous limit for a busy machine).</summary>
    public static void WaitUntil(Func<bool> condition, string what, int timeoutMs = 20_000)
    {
        if (!SpinWait.SpinUntil(condition, timeoutMs))
        {
            Assert.Fail($"Timed out after {timeoutMs} ms waiting until {what}.");
        }
    }

    public void Dispose()
    {
        Controller.Dispose();
        Driver.Dispose();
    }
}

/// <summary>Records every callback: the edge, what the args carried and where it ran.</summary>
internal sealed class CallbackLog
{
    private readonly object _lock = new(); // a monitor: WaitFor sleeps on it
    private readonly List<Entry> _entries = [];

    public PinChangeEventHandler Handler => OnEdge;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Blocks until <paramref name="count"/> callbacks have run.</summary>
    public IReadOnlyList<Entry> WaitFor(int count, int timeoutMs = 20_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        lock (_lock)
        {
            while (_entries.Count < count)
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_lock, (int)left))
                {
                    Assert.Fail($"Timed out after {timeoutMs} ms with {_entries.Count} of {count} callbacks.");
                }
            }

            return [.. _entries];
        }
    }

    private void OnEdge(object sender, PinValueChangedEventArgs args)
    {
        var e = args as DpcPiPinValueChangedEventArgs;
        var entry = new Entry(args.ChangeType, args.PinNumber, e?.TimestampNs ?? -1, e?.LineSequence ?? 0, e?.LostBefore ?? -1, Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread, sender);
        lock (_lock)
        {
            _entries.Add(entry);
            Monitor.PulseAll(_lock);
        }
    }

    public sealed record Entry(PinEventTypes Type, int Pin, long TimestampNs, uint LineSequence, long LostBefore, string? ThreadName, bool OnThreadPool, object Sender);
}
