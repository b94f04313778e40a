using DpcPi.Kernel;

namespace DpcPi.TestSupport;

/// <summary>
/// A manual kernel on a virtual clock whose edge→DPC-start figures need a log axis: <see cref="Seconds"/> seconds of
/// <see cref="PerSecond"/> interrupts each, edge→DPC-start 8 µs (98 %) or 43 µs (every 50th), and in the middle second
/// one interrupt of 10 ms: a thousand times the median. p50 is 8 µs and p99 43 µs.
/// </summary>
public sealed class OutlierKernel : IDisposable
{
    public const int Seconds = 5;
    public const int PerSecond = 400;
    public const long MedianNs = 8_000;
    public const long SlowNs = 43_000;
    public const long OutlierNs = 10_000_000;

    private readonly TestInterruptController _controller = new();

    /// <param name="seconds">Seconds of data; <see cref="Seconds"/> unless a test needs another shape.</param>
    /// <param name="outlierSecond">The second that holds the one 10 ms sample; the middle one by default.</param>
    public OutlierKernel(int seconds = Seconds, int? outlierSecond = null)
    {
        RunSeconds = seconds;
        var outlierAt = outlierSecond ?? (seconds / 2);
        Clock = new VirtualClock();
        Kernel = new DpcKernel(new KernelOptions
        {
            Processors = [0],
            IsrProcessor = 0,
            StartThreads = false,
            Realtime = false,
            Pin = false,
            MinimumDpcRate = 0,
            OutlierThresholdNs = 1_000_000,
            TimelineSeconds = 60,
            Clock = Clock,
        });
        Kernel.Start();
        var controller = _controller;
        var dpc = Kernel.InitializeDpc((_, _, _, _) => Clock.Advance(2_000), name: "LatencyDpc");
        dpc.SetTargetProcessor(0);
        Kernel.ConnectInterrupt(1, (_, _, ref _) =>
        {
            Clock.Advance(1_000);
            Kernel.InsertQueueDpc(dpc);
            return true;
        }, null, controller, name: "timer");

        for (var s = 0; s < seconds; s++)
        {
            Clock.Set(Kernel.Figures.EpochNs + (s * 1_000_000_000L) + 1_000);
            for (var i = 0; i < PerSecond; i++)
            {
                var latency = s == outlierAt && i == PerSecond / 2 ? OutlierNs : i % 50 == 0 ? SlowNs : MedianNs;
                var edge = Clock.NowNs;
                Clock.Advance(2_000); // edge → ISR
                controller.Raise(1, edge);
                Kernel.PollInterrupts(controller);
                Clock.Advance(latency - 3_000); // the rest of edge → DPC start waiting in the queue
                Kernel.RunDpcs(0);
            }
        }
    }

    public int RunSeconds { get; }

    public VirtualClock Clock { get; }

    public DpcKernel Kernel { get; }

    public void Dispose()
    {
        Kernel.Dispose();
        _controller.Dispose();
    }
}
