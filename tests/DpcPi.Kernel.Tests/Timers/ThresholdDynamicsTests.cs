using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>
/// KeUpdateRunTime's threshold adaptation over many ticks: the running DpcRequestRate decides whether a
/// tick that finds DPCs left queued lowers MaximumDpcQueueDepth, and idle ticks raise it back.
/// </summary>
public sealed class ThresholdDynamicsTests
{
    [Fact]
    public void ClockTick_LoadPhases_DepthFollowsRequestRate()
    {
        var options = new KernelOptions
        {
            Processors = [0],
            IsrProcessor = 0,
            StartThreads = false,
            Realtime = false,
            Pin = false,
            MinimumDpcRate = 0,
            MaximumDpcQueueDepth = 8,
            IdealDpcRate = 20,
            AdjustDpcThreshold = 4,
        };
        using var kernel = new DpcKernel(options);
        var pool = Enumerable.Range(0, 64).Select(i => ImportanceTests.Make(kernel, DpcImportance.Low, $"d{i}", 0)).ToArray();
        var depths = new List<int>();
        var rates = new List<long>();

        // One tick: `inserts` Low DPCs drained by the worker, then one more left queued (or not) when the tick comes.
        void Tick(int inserts, bool leaveOneQueued)
        {
            for (var i = 0; i < inserts; i++)
            {
                kernel.InsertQueueDpc(pool[i]);
            }

            kernel.RunDpcs(0);
            if (leaveOneQueued)
            {
                kernel.InsertQueueDpc(pool[^1]);
                kernel.GetProcessor(0).Normal.ConsumeRequest(); // the worker has not got to it
            }

            kernel.ClockTick();
            kernel.RunDpcs(0);
            var s = kernel.GetProcessorStatistics(0);
            depths.Add(s.MaximumDpcQueueDepth);
            rates.Add(s.DpcRequestRate);
        }

        // Heavy load (40 requests per tick) with a DPC left over: the first tick sees rate 0 and lowers the
        // depth; once the rate is at or above ideal, left-over DPCs no longer lower it.
        for (var i = 0; i < 5; i++)
        {
            Tick(39, leaveOneQueued: true);
        }

        Assert.Equal([7, 7, 7, 7, 7], depths);
        Assert.Equal([20L, 30, 35, 37, 38], rates);
        depths.Clear();
        rates.Clear();

        // Light load (2 per tick) with a left-over: the depth holds until the running average decays below
        // ideal (two ticks), then drops by one per tick down to 1.
        for (var i = 0; i < 9; i++)
        {
            Tick(1, leaveOneQueued: true);
        }

        Assert.Equal([7, 7, 6, 5, 4, 3, 2, 1, 1], depths);
        Assert.Equal([20L, 11, 6, 4, 3, 2, 2, 2, 2], rates);
        depths.Clear();
        rates.Clear();

        // Idle: every AdjustDpcThreshold-th tick raises the depth by one, towards the configured maximum.
        for (var i = 0; i < 8; i++)
        {
            Tick(0, leaveOneQueued: false);
        }

        Assert.Equal([1, 1, 1, 2, 2, 2, 2, 3], depths);
        Assert.Equal([1L, 0, 0, 0, 0, 0, 0, 0], rates);
        Assert.Equal(22, kernel.GetProcessorStatistics(0).ClockTicks);
    }

    [Fact]
    public void ClockTick_TimerDpcQueuedByThisTick_IsNotTakenForALeftOver()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock, TimerMode.PeriodicTick, tickNs: 1_000_000, configure: o => o.MaximumDpcQueueDepth = 4);
        var dpc = ImportanceTests.Make(kernel, DpcImportance.Low, "timer-low", 0); // remote from the ISR core, Low: queued silently
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(500_000), 0, dpc);

        clock.Advance(1_000_000);
        kernel.ClockTick();

        Assert.Equal([dpc], kernel.QueuedDpcs(0));
        Assert.False(kernel.IsDrainRequested(0));
        Assert.Equal(4, kernel.GetProcessorStatistics(0).MaximumDpcQueueDepth);

        clock.Advance(1_000_000);
        kernel.ClockTick(); // now it is a left-over

        Assert.True(kernel.IsDrainRequested(0));
        Assert.Equal(3, kernel.GetProcessorStatistics(0).MaximumDpcQueueDepth);
    }
}
