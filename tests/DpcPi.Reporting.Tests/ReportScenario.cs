using DpcPi.TestSupport;
using DpcPi.Kernel;

namespace DpcPi.Reporting.Tests;

/// <summary>
/// A manual kernel driven on a virtual clock so every latency is exact. 100 interrupts on vector 1
/// ("gpio17"): edge→ISR 2 µs, ISR 1 µs, queue wait (i+1) µs, so edge→DPC-start is 4..103 µs; the DPC
/// ("TestDpc", CPU 0) runs 10 µs, except the last run (300 µs). Events 0..49 fall in second 0,
/// events 50..99 in second 1. A second DPC ("Other", CPU 1) is inserted twice and never run (one coalesced insert).
/// </summary>
internal sealed class ReportScenario : IDisposable
{
    public const int Events = 100;
    public const long EdgeToIsrNs = 2_000;
    public const long IsrNs = 1_000;
    public const long DpcNs = 10_000;
    public const long LastDpcNs = 300_000;

    public ReportScenario()
    {
        Clock = new VirtualClock();
        Kernel = new DpcKernel(new KernelOptions
        {
            Processors = [0, 1],
            IsrProcessor = 1,
            StartThreads = false,
            Realtime = false,
            Pin = false,
            MinimumDpcRate = 0,
            OutlierThresholdNs = 100_000,
            TimelineSeconds = 60,
            Clock = Clock,
        });
        Kernel.Start();
        var controller = new TestInterruptController();
        var runs = 0;
        var dpc = Kernel.InitializeDpc((_, _, _, _) => Clock.Advance(++runs == Events ? LastDpcNs : DpcNs), name: "TestDpc");
        dpc.SetTargetProcessor(0);
        Kernel.ConnectInterrupt(1, (_, _, ref _) =>
        {
            Clock.Advance(IsrNs);
            Kernel.InsertQueueDpc(dpc);
            return true;
        }, null, controller, name: "gpio17");

        for (var i = 0; i < Events; i++)
        {
            if (i == 50)
            {
                Clock.Set(Kernel.Figures.EpochNs + 1_000_000_000);
            }

            var edge = Clock.NowNs;
            Clock.Advance(EdgeToIsrNs);
            controller.Raise(1, edge);
            Kernel.PollInterrupts(controller);
            Clock.Advance((i + 1) * 1_000L);
            Kernel.RunDpcs(0);
        }

        var other = Kernel.InitializeDpc((_, _, _, _) => { }, name: "Other");
        other.SetTargetProcessor(1);
        Kernel.InsertQueueDpc(other);
        Kernel.InsertQueueDpc(other);
    }

    public VirtualClock Clock { get; }

    public DpcKernel Kernel { get; }

    /// <summary>edge→DPC-start of event i (0-based), ns.</summary>
    public static long Latency(int i) => EdgeToIsrNs + IsrNs + ((i + 1) * 1_000L);

    /// <summary>The report; its 100 samples are enough for a verdict unless <paramref name="minimumSamples"/> asks for more.</summary>
    public LatencyReport Report(long deadlineNs = 200_000, int histogramLimitUs = 0, double? stealPercent = null, long minimumSamples = Events) => LatencyReport.FromKernel(Kernel, new ReportContext
    {
        Source = "fake",
        DeadlineNs = deadlineNs,
        HistogramLimitUs = histogramLimitUs,
        LostEdges = 7,
        MergedEdges = 3,
        Duration = TimeSpan.FromSeconds(1),
        StealPercent = stealPercent,
        MinimumSamples = minimumSamples,
        RunInfo = new Dictionary<string, string> { ["board"] = "test" },
    });

    public void Dispose() => Kernel.Dispose();
}
