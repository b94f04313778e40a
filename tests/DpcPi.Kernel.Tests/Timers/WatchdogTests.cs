using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>The DPC watchdog: both limits, caught by the clock tick while the offending DPC still runs.</summary>
public sealed class WatchdogTests
{
    private static DpcKernel Manual(VirtualClock clock, long perDpcNs, long cumulativeNs, WatchdogPolicy policy = WatchdogPolicy.Count) =>
        TimerKit.Manual(clock, TimerMode.PeriodicTick, configure: o =>
        {
            o.WatchdogDpcLimitNs = perDpcNs;
            o.WatchdogCumulativeLimitNs = cumulativeNs;
            o.WatchdogPolicy = policy;
        });

    [Fact]
    public void Watchdog_DpcPastPerDpcLimit_ReportedOnceByTickWhileItRuns()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = Manual(clock, 100_000, 10_000_000);
        IReadOnlyList<KernelEvent> seenWhileRunning = [];
        var dpc = kernel.InitializeDpc((_, _, _, _) =>
        {
            clock.Advance(150_000);
            kernel.ClockTick();
            clock.Advance(1_000_000);
            kernel.ClockTick(); // the same run again: not a second violation
            seenWhileRunning = kernel.DrainEvents();
        }, name: "slow-dpc");
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);

        kernel.RunDpcs(0);

        var e = Assert.Single(seenWhileRunning);
        Assert.Equal("watchdog", e.Kind);
        Assert.Equal(0, e.Cpu);
        Assert.Equal("slow-dpc", e.Routine);
        Assert.Contains("slow-dpc on CPU 0 has run 150.0 µs (limit 100.0 µs)", e.Message);
        Assert.Equal(1, kernel.WatchdogViolations);
        Assert.Equal(1, kernel.GetProcessorStatistics(0).WatchdogPerDpcViolations);
        Assert.Equal(0, kernel.GetProcessorStatistics(0).WatchdogCumulativeViolations);
        Assert.False(kernel.Faulted.IsCompleted);
    }

    [Fact]
    public void Watchdog_LongDpcFinishedBeforeTheTick_NotReported()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = Manual(clock, 100_000, 10_000_000);
        var dpc = kernel.InitializeDpc((_, _, _, _) => clock.Advance(150_000), name: "slow-but-gone");
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);
        kernel.RunDpcs(0);

        kernel.ClockTick();

        Assert.Empty(kernel.DrainEvents());
        Assert.Equal(0, kernel.WatchdogViolations);
        Assert.Equal(150_000, dpc.GetStatistics().MaxExecutionNs); // it is still visible in the statistics
    }

    [Fact]
    public void Watchdog_ShortDpcsBackToBackPastCumulativeLimit_ReportedNamingTheRunningOne()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = Manual(clock, 150_000, 250_000);
        var dpcs = new Dpc[3];
        for (var i = 0; i < dpcs.Length; i++)
        {
            var last = i == dpcs.Length - 1;
            dpcs[i] = kernel.InitializeDpc((_, _, _, _) =>
            {
                clock.Advance(100_000);
                if (last)
                {
                    kernel.ClockTick();
                }
            }, name: $"short{i}");
            dpcs[i].SetTargetProcessor(0);
            kernel.InsertQueueDpc(dpcs[i]);
        }

        kernel.RunDpcs(0);

        var e = Assert.Single(kernel.DrainEvents());
        Assert.Equal("short2", e.Routine);
        Assert.Equal(0, e.Cpu);
        Assert.Contains("CPU 0 has been in DPCs for 300.0 µs (limit 250.0 µs), now running short2", e.Message);
        Assert.Equal(1, kernel.GetProcessorStatistics(0).WatchdogCumulativeViolations);
        Assert.Equal(0, kernel.GetProcessorStatistics(0).WatchdogPerDpcViolations);
    }

    [Fact]
    public void Watchdog_FailFast_FaultsWithDpcWatchdogViolation()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = Manual(clock, 100_000, 10_000_000, WatchdogPolicy.FailFast);
        var dpc = kernel.InitializeDpc((_, _, _, _) =>
        {
            clock.Advance(250_000);
            kernel.ClockTick();
        }, name: "runaway");
        dpc.SetTargetProcessor(1);
        kernel.InsertQueueDpc(dpc);

        kernel.RunDpcs(1);

        Assert.True(kernel.Faulted.IsCompletedSuccessfully);
        var fault = kernel.Faulted.Result;
        Assert.Equal("DPC_WATCHDOG_VIOLATION", fault.Code);
        Assert.Equal("runaway", fault.Routine);
        Assert.Equal(1, fault.Cpu);
        Assert.Equal(250_000, fault.DurationNs);
        Assert.Equal(1, kernel.WatchdogViolations);
    }

    [Fact]
    public void Watchdog_ThreadedKernel_SpinningDpcCaughtByTestThreadTickBeforeItReturns()
    {
        using var kernel = KernelFactory.Threaded(configure: o => o.WatchdogDpcLimitNs = 100_000);
        var cpu = kernel.Processors[0];
        using var started = new ManualResetEventSlim();
        var release = 0;
        var returned = 0;
        var dpc = kernel.InitializeDpc((_, _, _, _) =>
        {
            started.Set();
            var spin = new SpinWait();
            var giveUp = Environment.TickCount64 + 30_000;
            while (Volatile.Read(ref release) == 0 && Environment.TickCount64 < giveUp)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            Volatile.Write(ref returned, 1);
        }, name: "spinner");
        dpc.SetTargetProcessor(cpu);
        dpc.SetImportance(DpcImportance.High);
        kernel.InsertQueueDpc(dpc);
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));

        // The test thread is the clock ISR: tick until the watchdog has seen the spinner.
        var deadline = Environment.TickCount64 + 10_000;
        while (kernel.WatchdogViolations == 0 && Environment.TickCount64 < deadline)
        {
            kernel.ClockTick();
            Thread.Yield();
        }

        var returnedWhenCaught = Volatile.Read(ref returned);
        var events = kernel.DrainEvents();
        Volatile.Write(ref release, 1);
        kernel.FlushQueuedDpcs();

        Assert.Equal(0, returnedWhenCaught);
        Assert.Equal(1, Volatile.Read(ref returned));
        var e = events.First(ev => ev.Kind == "watchdog" && ev.Message.Contains("single DPC", StringComparison.Ordinal));
        Assert.Equal("spinner", e.Routine);
        Assert.Equal(cpu, e.Cpu);
        Assert.Contains($"spinner on CPU {cpu} has run", e.Message);
        Assert.Equal(1, kernel.GetProcessorStatistics(cpu).WatchdogPerDpcViolations);
    }

    [Fact]
    public void Watchdog_ThreadedKernelOnVirtualClock_CumulativeCaughtWhileLastDpcSpins()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = KernelFactory.Threaded(configure: o =>
        {
            o.Clock = clock;
            o.WatchdogDpcLimitNs = 150_000;
            o.WatchdogCumulativeLimitNs = 250_000;
        });
        var cpu = kernel.Processors[0];
        using var started = new ManualResetEventSlim();
        var release = 0;
        var returned = 0;
        var a = kernel.InitializeDpc((_, _, _, _) => clock.Advance(100_000), name: "a");
        var b = kernel.InitializeDpc((_, _, _, _) => clock.Advance(100_000), name: "b");
        var c = kernel.InitializeDpc((_, _, _, _) =>
        {
            started.Set();
            var spin = new SpinWait();
            var giveUp = Environment.TickCount64 + 30_000;
            while (Volatile.Read(ref release) == 0 && Environment.TickCount64 < giveUp)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            Volatile.Write(ref returned, 1);
        }, name: "c");
        using (kernel.HoldAtDispatch(cpu))
        {
            foreach (var d in new[] { a, b, c })
            {
                d.SetTargetProcessor(cpu);
                kernel.InsertQueueDpc(d);
            }
        }

        // Released: one drain runs a (100 µs), b (100 µs), then c, which spins until the test lets it go.
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        clock.Advance(100_000);
        kernel.ClockTick();
        var returnedWhenCaught = Volatile.Read(ref returned);
        var events = kernel.DrainEvents();
        Volatile.Write(ref release, 1);
        kernel.FlushQueuedDpcs();

        Assert.Equal(0, returnedWhenCaught);
        var e = Assert.Single(events);
        Assert.Equal("c", e.Routine);
        Assert.Equal(cpu, e.Cpu);
        Assert.Contains($"CPU {cpu} has been in DPCs for 300.0 µs (limit 250.0 µs), now running c", e.Message);
        Assert.Equal(1, kernel.GetProcessorStatistics(cpu).WatchdogCumulativeViolations);
        Assert.Equal(0, kernel.GetProcessorStatistics(cpu).WatchdogPerDpcViolations);
    }
}
