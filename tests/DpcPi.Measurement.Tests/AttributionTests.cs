using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Measurement.Tests;

/// <summary>Late interrupts taken apart (--analyze) and stopped on (--break), from the flight recorder's stamps.</summary>
public sealed class AttributionTests
{
    private static readonly OutlierContext Quiet = new(100_000_000, 0, 0, 0, 0, 0, 0);

    /// <summary>A kernel's real DPC and interrupt objects for hand-made flight events (the kernel never runs).</summary>
    private static (DpcKernel Kernel, Interrupt Device, Interrupt Clock, Dpc Late, Dpc Slow) Objects()
    {
        var kernel = new DpcKernel(new KernelOptions { Processors = [0, 1], IsrProcessor = 1, StartThreads = false, Realtime = false, Pin = false });
        var device = kernel.ConnectInterrupt(1, (_, _, ref _) => true, name: "gpio");
        var clock = kernel.ConnectInterrupt(0, (_, _, ref _) => true, irql: Irql.Clock, name: "clock");
        var late = kernel.InitializeDpc((_, _, _, _) => { }, null, "LateDpc");
        var slow = kernel.InitializeDpc((_, _, _, _) => { }, null, "SlowDpc");
        return (kernel, device, clock, late, slow);
    }

    private static FlightWindow Window(FlightEvent[] isrs, FlightEvent[] dpcs, int culpritInDpcs)
    {
        var isrTrack = new FlightTrack(0, "ISR thread", -1, false, 16);
        var dpcTrack = new FlightTrack(1, "DPC queue CPU 0", 0, false, 16);
        return new FlightWindow([new FlightTrackWindow(isrTrack, 0, isrs), new FlightTrackWindow(dpcTrack, 0, dpcs)], 1, culpritInDpcs, 1, 1_000);
    }

    private static long Part(OutlierAttribution a, LatencyCause cause) => a.Parts.Single(p => p.Cause == cause).Ns;

    [Fact]
    public void Analyze_IsrThreadBusyAndSlowDpcAhead_SplitsTheLatencyAndNamesWhoRanAhead()
    {
        var (kernel, device, clock, late, slow) = Objects();
        using var owner = kernel;
        // Edge at 1000; the clock ISR runs 900-1500, so the device ISR enters at 1600 and leaves at 1700; SlowDpc runs
        // 1700-2700 on the worker; the late DPC starts at 3000, its worker already running.
        FlightEvent[] isrs =
        [
            new() { Kind = FlightEventKind.Isr, Interrupt = clock, EventNs = 890, StartNs = 900, EndNs = 1500, Cycle = 7, Cpu = 1 },
            new() { Kind = FlightEventKind.Isr, Interrupt = device, EventNs = 1000, StartNs = 1600, EndNs = 1700, Cycle = 42, Cpu = 1 },
        ];
        FlightEvent[] dpcs =
        [
            new() { Kind = FlightEventKind.Dpc, Dpc = slow, EventNs = 1650, QueuedNs = 1650, StartNs = 1700, EndNs = 2700, Cycle = 1, Cpu = 0 },
            new() { Kind = FlightEventKind.Dpc, Dpc = late, Interrupt = device, EventNs = 1000, QueuedNs = 1650, StartNs = 3000, EndNs = 3100, Cycle = 42, Cpu = 0 },
        ];

        var a = Assert.IsType<OutlierAttribution>(LatencyAttributor.Analyze(Window(isrs, dpcs, 1), Quiet));

        Assert.Equal(2000, a.LatencyNs);
        Assert.Equal(a.LatencyNs, a.Parts.Sum(p => p.Ns));
        Assert.Equal(500, Part(a, LatencyCause.IsrQueueing));
        Assert.Equal(100, Part(a, LatencyCause.IsrWake));
        Assert.Equal(100, Part(a, LatencyCause.IsrDuration));
        Assert.Equal(1000, Part(a, LatencyCause.DpcQueueing));
        Assert.Equal(300, Part(a, LatencyCause.Dispatch));
        Assert.Equal("ISR clock", Assert.Single(a.Parts.Single(p => p.Cause == LatencyCause.IsrQueueing).Culprits).Name);
        Assert.Equal(new NamedTime("SlowDpc", 1000), Assert.Single(a.Parts.Single(p => p.Cause == LatencyCause.DpcQueueing).Culprits));
        Assert.Contains("behind other DPCs (SlowDpc", a.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_SleepingWorkerAndRunnableIsrThread_BlamesTheWakeUpsAndTheScheduler()
    {
        var (kernel, device, _, late, _) = Objects();
        using var owner = kernel;
        // Edge at 0, ISR 800-850 with nothing else on the ISR thread, then a sleeping worker woken: starts at 1000.
        FlightEvent[] isrs = [new() { Kind = FlightEventKind.Isr, Interrupt = device, EventNs = 0, StartNs = 800, EndNs = 850, Cycle = 3, Cpu = 1 }];
        FlightEvent[] dpcs = [new() { Kind = FlightEventKind.Dpc, Dpc = late, Interrupt = device, EventNs = 0, QueuedNs = 840, StartNs = 1000, EndNs = 1010, Cycle = 3, Cpu = 0, WorkerWoke = true }];
        var busyCpu = Quiet with { IsrThreadRunnableNs = 700, MajorFaults = 2 };

        var a = Assert.IsType<OutlierAttribution>(LatencyAttributor.Analyze(Window(isrs, dpcs, 0), busyCpu));

        Assert.Equal(800, Part(a, LatencyCause.IsrWake));
        Assert.Equal(50, Part(a, LatencyCause.IsrDuration));
        Assert.Equal(150, Part(a, LatencyCause.WorkerWakeup));
        Assert.DoesNotContain(a.Parts, p => p.Cause == LatencyCause.Dispatch); // its worker slept: the rest is the wake-up
        Assert.Contains("ready to run but waited for its CPU", a.Cause, StringComparison.Ordinal);
        Assert.Contains("2 major page faults", a.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Summarize_TwoOutliers_SumsPartsAndRanksWhoRanAhead()
    {
        var parts = new long[Enum.GetValues<LatencyCause>().Length];
        parts[(int)LatencyCause.DpcQueueing] = 3000;
        parts[(int)LatencyCause.IsrWake] = 1000;
        var culprits = new Dictionary<string, long> { ["SlowDpc"] = 2500, ["OtherDpc"] = 500 };

        var s = LatencyAttributor.Summarize(1000, 2, 1, [], parts, culprits, new ThreadTimes(0, 0, 0, 0));

        Assert.Equal(4000, s.TotalNs);
        Assert.Equal(75, AttributionSummary.Percent(s.Totals.Single(t => t.Cause == LatencyCause.DpcQueueing).Ns, s.TotalNs));
        Assert.Equal(["SlowDpc", "OtherDpc"], s.TopCulprits.Select(c => c.Name));
        Assert.Contains("waiting behind other DPCs", s.Cause, StringComparison.Ordinal);
        Assert.Contains("SlowDpc", s.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_BreakAtOneMicrosecond_StopsAtTheFirstLateInterruptWithItsWindow()
    {
        using var session = new LatencySession(new LatencySessionOptions
        {
            Source = LatencySource.Timer,
            IntervalNs = 1_000_000,
            Duration = TimeSpan.FromSeconds(30), // the break must end it long before
            Warmup = TimeSpan.Zero,
            Kernel = new KernelOptions { Realtime = false, WaitStrategy = DpcWaitStrategy.Blocking },
            FlightRecorder = new FlightRecorderSettings { BreakThresholdNs = 1_000, AnalyzeThresholdNs = 1_000 },
        });

        session.Start(TestContext.Current.CancellationToken);
        Assert.True(session.Wait(TestContext.Current.CancellationToken));
        session.Stop();
        var run = session.Result();

        Assert.True(run.Broke);
        Assert.True(run.Duration < TimeSpan.FromSeconds(20));
        var window = Assert.Single(run.BreakWindows);
        var culprit = Assert.NotNull(window.Culprit);
        Assert.True(culprit.StartNs - culprit.EventNs >= 1_000);
        Assert.NotNull(run.Attribution);
        var attribution = run.Attribution;
        var first = Assert.Single(attribution.Outliers);
        Assert.Equal(culprit.Cycle, first.Cycle);
        Assert.Equal(first.LatencyNs, first.Parts.Sum(p => p.Ns));
        Assert.False(string.IsNullOrWhiteSpace(first.Cause));
    }

    [Fact]
    public void Session_AnalyzeWithBreakContinue_KeepsRunningAndAnalysesEveryTrigger()
    {
        using var session = new LatencySession(new LatencySessionOptions
        {
            Source = LatencySource.Timer,
            IntervalNs = 1_000_000,
            Loops = 300,
            Warmup = TimeSpan.Zero,
            Kernel = new KernelOptions { Realtime = false, WaitStrategy = DpcWaitStrategy.Blocking },
            FlightRecorder = new FlightRecorderSettings { BreakThresholdNs = 1_000, BreakContinue = true, AnalyzeThresholdNs = 1_000 },
        });

        session.Start(TestContext.Current.CancellationToken);
        Assert.True(session.Wait(TestContext.Current.CancellationToken));
        session.Stop();
        var run = session.Result();

        Assert.False(run.Broke);
        Assert.True(run.Interrupts >= 300);
        Assert.InRange(run.BreakWindows.Count, 2, 16); // a window per 10 ms poll, at most 16 kept
        Assert.NotNull(run.Attribution);
        var a = run.Attribution;
        Assert.Equal(run.Breaks, a.Analysed);
        Assert.All(a.Outliers, o => Assert.Equal(o.LatencyNs, o.Parts.Sum(p => p.Ns)));
        Assert.Equal(a.Outliers.Sum(o => o.LatencyNs), a.TotalNs);
    }

    [Fact]
    public void Validate_BreakContinueWithoutBreak_NamesTheFlightRecorder()
    {
        var options = new LatencySessionOptions { FlightRecorder = new FlightRecorderSettings { BreakContinue = true, AnalyzeThresholdNs = 1000 } };

        var e = Assert.Throws<LatencyOptionsException>(options.Validate);

        Assert.Equal(LatencySetting.FlightRecorder, e.Setting);
    }
}
