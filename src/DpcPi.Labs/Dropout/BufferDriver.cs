using DpcPi.Kernel;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Dropout;

/// <summary>
/// An audio-style driver: a "buffer ready" interrupt every period; the ISR records which buffer and when,
/// the DPC processes each buffer. A buffer must be processed before the next one arrives (double
/// buffering), otherwise the hardware plays or overwrites a half-done buffer: a drop-out.
/// </summary>
public sealed class BufferDriver
{
    private readonly Action<long> _work;
    private readonly List<ulong> _lateBuffers = [];

    /// <param name="work">Does <c>ns</c> of work (the fake advances its virtual clock; real hardware would compute).</param>
    public BufferDriver(DpcKernel kernel, long periodNs, long processNs, Action<long> work)
    {
        Kernel = kernel;
        PeriodNs = periodNs;
        ProcessNs = processNs;
        _work = work;
        Device = kernel.CreateDevice("audio", static (_, ctx, _, _) => ((BufferDriver)((DeviceObject)ctx!).Extension!).DpcForIsr(), this);
    }

    public DpcKernel Kernel { get; }

    public long PeriodNs { get; }

    public long ProcessNs { get; }

    public DeviceObject Device { get; }

    public EdgeRing Ring { get; } = new(256);

    public long Buffers { get; private set; }

    public long Dropouts => _lateBuffers.Count;

    /// <summary>Sequence numbers of the buffers finished after their deadline.</summary>
    public IReadOnlyList<ulong> LateBuffers => _lateBuffers;

    /// <summary>The worst buffer-ready → processing-done time.</summary>
    public long WorstCompletionNs { get; private set; }

    public static bool Isr(Interrupt interrupt, object? context, ref InterruptFrame frame)
    {
        var driver = (BufferDriver)((DeviceObject)context!).Extension!;
        return driver.Ring.QueueFromIsr(driver.Device, frame);
    }

    private void DpcForIsr()
    {
        while (Ring.TryRead(out var buffer))
        {
            _work(ProcessNs);
            var done = Kernel.Clock.NowNs;
            Buffers++;
            WorstCompletionNs = Math.Max(WorstCompletionNs, done - buffer.TimestampNs);
            if (done > buffer.TimestampNs + PeriodNs)
            {
                _lateBuffers.Add(buffer.Sequence);
            }
        }
    }
}

/// <summary>A badly written driver: its DpcForIsr does all its (long) work at DISPATCH_LEVEL on the same core.</summary>
public sealed class SlowDriver
{
    private readonly Action<long> _work;

    public SlowDriver(DpcKernel kernel, string name, long dpcNs, Action<long> work)
    {
        DpcNs = dpcNs;
        _work = work;
        Device = kernel.CreateDevice(name, static (_, ctx, _, _) =>
        {
            var d = (SlowDriver)((DeviceObject)ctx!).Extension!;
            d._work(d.DpcNs);
        }, this);
    }

    public long DpcNs { get; }

    public DeviceObject Device { get; }

    public static bool Isr(Interrupt interrupt, object? context, ref InterruptFrame frame)
    {
        _ = ((DeviceObject)context!).RequestDpc(); // already queued is still this device's interrupt: handled
        return true;
    }
}
