using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>Threshold adaptation on the clock tick, as Windows' KeUpdateRunTime does it.</summary>
public sealed class ClockTickTests
{
    [Fact]
    public void ClockTick_LowDpcLeftQueued_RequestsDrain()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 0);
        var low = ImportanceTests.Make(kernel, DpcImportance.Low, "low", 0);
        kernel.InsertQueueDpc(low);
        Assert.False(kernel.IsDrainRequested(0));

        kernel.ClockTick();

        Assert.True(kernel.IsDrainRequested(0));
    }

    [Fact]
    public void ClockTick_NothingLeftQueuedNoLimitCrossed_LeavesTheListLockToTheWorker()
    {
        // A tick every millisecond must not make the worker wait for its own lock: with nothing left over and no
        // watchdog limit near, the tick completes while another thread holds the core's list lock.
        using var kernel = KernelFactory.Manual(minimumRate: 0);
        var proc = kernel.GetProcessor(0);
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using (proc.Lock.EnterScope())
            {
                held.Set();
                release.Wait();
            }
        });
        holder.Start();
        held.Wait();

        var tick = Task.Run(kernel.ClockTick);
        var finished = tick.Wait(TimeSpan.FromSeconds(5));
        release.Set();
        holder.Join();

        Assert.True(finished, "the tick waited for the list lock");
        Assert.Equal(1, kernel.GetProcessorStatistics(0).ClockTicks);
    }

    [Fact]
    public void ClockTick_PendingAndRateBelowIdeal_LowersMaximumDepthDownToOne()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 0, maxDepth: 4);
        var low = ImportanceTests.Make(kernel, DpcImportance.Low, "low", 0);
        kernel.InsertQueueDpc(low);

        var depths = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            kernel.ClockTick();
            depths.Add(kernel.GetProcessorStatistics(0).MaximumDpcQueueDepth);
            kernel.GetProcessor(0).Normal.ConsumeRequest(); // the drain "did not happen" yet
        }

        Assert.Equal([3, 2, 1, 1, 1], depths);
    }

    [Fact]
    public void ClockTick_IdleForAdjustThreshold_RaisesMaximumDepthBackByOne()
    {
        var options = new KernelOptions { Processors = [0], StartThreads = false, Realtime = false, Pin = false, MinimumDpcRate = 0, AdjustDpcThreshold = 3 };
        using var kernel = new DpcKernel(options);
        var low = ImportanceTests.Make(kernel, DpcImportance.Low, "low", 0);
        kernel.InsertQueueDpc(low);
        kernel.ClockTick(); // pending → depth 4 → 3
        kernel.RunDpcs(0);
        Assert.Equal(3, kernel.GetProcessorStatistics(0).MaximumDpcQueueDepth);

        kernel.ClockTick();
        kernel.ClockTick();
        Assert.Equal(3, kernel.GetProcessorStatistics(0).MaximumDpcQueueDepth);
        kernel.ClockTick(); // third idle tick

        Assert.Equal(4, kernel.GetProcessorStatistics(0).MaximumDpcQueueDepth);
    }

    [Fact]
    public void ClockTick_RequestRate_IsRunningAverageOfInsertsPerTick()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 0);
        var dpcs = Enumerable.Range(0, 8).Select(i => ImportanceTests.Make(kernel, DpcImportance.High, $"d{i}", 0)).ToArray();

        foreach (var d in dpcs)
        {
            kernel.InsertQueueDpc(d);
        }

        kernel.RunDpcs(0);
        kernel.ClockTick();
        Assert.Equal(4, kernel.GetProcessorStatistics(0).DpcRequestRate); // (8 + 0) / 2
        kernel.ClockTick();
        Assert.Equal(2, kernel.GetProcessorStatistics(0).DpcRequestRate); // (0 + 4) / 2
        Assert.Equal(2, kernel.GetProcessorStatistics(0).ClockTicks);
    }
}
