using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>Manual kernels on a virtual clock for timer tests, and a DPC that records its runs.</summary>
internal static class TimerKit
{
    public const long Start = 1_000_000_000;

    /// <summary>A manual kernel on CPUs 0 and 1; timer DPCs without a target go to CPU 1 (the ISR processor).</summary>
    public static DpcKernel Manual(VirtualClock clock, TimerMode mode = TimerMode.HighResolution, long tickNs = 1_000_000, Action<KernelOptions>? configure = null)
    {
        var options = new KernelOptions
        {
            Processors = [0, 1],
            IsrProcessor = 1,
            StartThreads = false,
            Realtime = false,
            Pin = false,
            MinimumDpcRate = 0,
            TimerMode = mode,
            ClockTickIntervalNs = tickNs,
            Clock = clock,
        };
        configure?.Invoke(options);
        return new DpcKernel(options);
    }

    /// <summary>A DPC whose runs (SystemArgument1, SystemArgument2, clock at start) land in <paramref name="runs"/>.</summary>
    public static Dpc Recording(DpcKernel kernel, List<(long Arg1, long Arg2, long AtNs)> runs, string name = "timer-dpc") =>
        kernel.InitializeDpc((_, _, a1, a2) => runs.Add((a1, a2, kernel.Clock.NowNs)), name: name);
}
