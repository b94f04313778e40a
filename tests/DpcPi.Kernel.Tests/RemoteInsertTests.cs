using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>
/// "Organization of DPC Queues" for a DPC queued on another processor: only High and MediumHigh, or a target
/// queue at its maximum depth, start the drain there; the request-rate trigger is the inserting core's own.
/// A deferred DPC runs at the target's next tick, or when its worker drains for another reason. Inserts come
/// from an ISR (the ISR core, CPU 1), so "local" is exact; manual kernels are clock-driven (the test ticks).
/// </summary>
public sealed class RemoteInsertTests
{
    private const int IsrCpu = 1;
    private const int RemoteCpu = 0;

    [Fact]
    public void InsertQueueDpc_MediumImportanceOnRemoteCore_DoesNotWakeTarget()
    {
        // The request rate is below the minimum (no tick yet): that would start a local queue, not a remote one.
        using var kernel = KernelFactory.Manual(minimumRate: 3);

        ImportanceTests.InsertFromIsr(kernel, ImportanceTests.Make(kernel, DpcImportance.Medium, "medium", RemoteCpu));

        Assert.False(kernel.IsDrainRequested(RemoteCpu));
        Assert.Single(kernel.QueuedDpcs(RemoteCpu));
    }

    [Fact]
    public void InsertQueueDpc_LowImportanceOnRemoteCoreWithRateBelowMinimum_DoesNotWakeTarget()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 3);
        Assert.True(kernel.GetProcessorStatistics(RemoteCpu).DpcRequestRate < 3);

        ImportanceTests.InsertFromIsr(kernel, ImportanceTests.Make(kernel, DpcImportance.Low, "low", RemoteCpu));

        Assert.False(kernel.IsDrainRequested(RemoteCpu));
    }

    [Fact]
    public void InsertQueueDpc_LowImportanceOnInsertingCoreWithRateBelowMinimum_WakesIt()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 3);

        ImportanceTests.InsertFromIsr(kernel, ImportanceTests.Make(kernel, DpcImportance.Low, "low", IsrCpu));

        Assert.True(kernel.IsDrainRequested(IsrCpu));
    }

    [Theory]
    [InlineData(DpcImportance.Low)]
    [InlineData(DpcImportance.Medium)]
    public void InsertQueueDpc_RemoteQueueReachesMaximumDepth_WakesTarget(DpcImportance importance)
    {
        using var kernel = KernelFactory.Manual(minimumRate: 0, maxDepth: 3);
        for (var i = 0; i < 2; i++)
        {
            ImportanceTests.InsertFromIsr(kernel, ImportanceTests.Make(kernel, importance, $"d{i}", RemoteCpu));
        }

        Assert.False(kernel.IsDrainRequested(RemoteCpu));
        ImportanceTests.InsertFromIsr(kernel, ImportanceTests.Make(kernel, importance, "d2", RemoteCpu));

        Assert.True(kernel.IsDrainRequested(RemoteCpu));
    }

    [Fact]
    public void ClockTick_DeferredRemoteDpc_RequestsTheTargetsDrainWhichRunsIt()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 3);
        var ran = 0;
        var medium = kernel.InitializeDpc((_, _, _, _) => ran++, name: "medium");
        medium.SetTargetProcessor(RemoteCpu);
        ImportanceTests.InsertFromIsr(kernel, medium);
        Assert.False(kernel.IsDrainRequested(RemoteCpu));

        kernel.ClockTick();

        Assert.True(kernel.IsDrainRequested(RemoteCpu));
        kernel.RunDpcs(RemoteCpu);
        Assert.Equal(1, ran);
    }

    [Fact]
    public void InsertQueueDpc_DeferredRemoteDpcThenHighOnSameCore_TheWokenDrainRunsBoth()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 3);
        var ran = new List<string>();
        Dpc Make(DpcImportance importance, string name)
        {
            var d = kernel.InitializeDpc((dpc, _, _, _) => ran.Add(dpc.Name), name: name);
            d.SetImportance(importance);
            d.SetTargetProcessor(RemoteCpu);
            return d;
        }

        ImportanceTests.InsertFromIsr(kernel, Make(DpcImportance.Medium, "deferred"));
        Assert.False(kernel.IsDrainRequested(RemoteCpu));
        ImportanceTests.InsertFromIsr(kernel, Make(DpcImportance.High, "high"));
        Assert.True(kernel.IsDrainRequested(RemoteCpu));

        kernel.RunDpcs(RemoteCpu);

        Assert.Equal(["high", "deferred"], ran);
    }

    [Fact]
    public void ClockTick_DeferredRemoteDpcOnSleepingWorker_RunsIt()
    {
        using var kernel = KernelFactory.Threaded(DpcWaitStrategy.Blocking, configure: o => o.MinimumDpcRate = 3);
        Assert.SkipWhen(kernel.Processors.Count < 2, "needs two cores");
        kernel.ClockTick(); // a clock drives the kernel: remote Medium DPCs wait for its tick
        using var ran = new ManualResetEventSlim();
        var deferred = kernel.InitializeDpc((_, _, _, _) => ran.Set(), name: "deferred");
        deferred.SetTargetProcessor(1);
        InsertFromCore0(kernel, deferred);

        kernel.ClockTick(); // the left-over on core 1 asks for its drain

        Assert.True(ran.Wait(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void InsertQueueDpc_MediumOnRemoteCoreOfKernelNoClockDrives_WakesTarget()
    {
        // No tick would ever drain core 1: the kernel does not defer there (the documented difference).
        using var kernel = KernelFactory.Threaded(DpcWaitStrategy.Blocking);
        Assert.SkipWhen(kernel.Processors.Count < 2, "needs two cores");
        using var ran = new ManualResetEventSlim();
        var medium = kernel.InitializeDpc((_, _, _, _) => ran.Set(), name: "medium");
        medium.SetTargetProcessor(1);

        InsertFromCore0(kernel, medium);

        Assert.True(ran.Wait(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Inserts <paramref name="dpc"/> from a DPC routine on core 0's worker (so "local" is core 0) and waits until that routine returned.</summary>
    private static void InsertFromCore0(DpcKernel kernel, Dpc dpc)
    {
        using var inserted = new ManualResetEventSlim();
        var from0 = kernel.InitializeDpc((_, _, _, _) =>
        {
            kernel.InsertQueueDpc(dpc);
            inserted.Set();
        }, name: "inserter");
        from0.SetTargetProcessor(0);
        from0.SetImportance(DpcImportance.High);
        kernel.InsertQueueDpc(from0);
        Assert.True(inserted.Wait(TimeSpan.FromSeconds(10)));
    }
}
