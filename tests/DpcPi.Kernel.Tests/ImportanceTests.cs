using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>
/// Queue position and worker wake-up by importance. Inserts happen inside an ISR (PollInterrupts)
/// so "local" is well defined: the ISR runs on the kernel's ISR core (CPU 1 here).
/// </summary>
public sealed class ImportanceTests
{
    private const int IsrCpu = 1;
    private const int RemoteCpu = 0;

    [Fact]
    public void InsertQueueDpc_High_GoesToHeadOthersToTail()
    {
        using var kernel = KernelFactory.Manual();
        var low = Make(kernel, DpcImportance.Low, "low");
        var medium = Make(kernel, DpcImportance.Medium, "medium");
        var mediumHigh = Make(kernel, DpcImportance.MediumHigh, "mediumHigh");
        var high = Make(kernel, DpcImportance.High, "high");

        using (kernel.HoldAtDispatch(0))
        {
            kernel.InsertQueueDpc(low);
            kernel.InsertQueueDpc(high);
            kernel.InsertQueueDpc(medium);
            kernel.InsertQueueDpc(mediumHigh);

            Assert.Equal(["high", "low", "medium", "mediumHigh"], kernel.QueuedDpcs(0).Select(d => d.Name));
        }
    }

    [Fact]
    public void Low_BelowMaximumDepthAndRateNotLow_DoesNotWakeWorker()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 0);
        InsertFromIsr(kernel, Make(kernel, DpcImportance.Low, "low", IsrCpu));

        Assert.False(kernel.IsDrainRequested(IsrCpu));
        Assert.Single(kernel.QueuedDpcs(IsrCpu));
    }

    [Fact]
    public void Low_QueueReachesMaximumDepth_WakesWorker()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 0, maxDepth: 3);
        for (var i = 0; i < 2; i++)
        {
            InsertFromIsr(kernel, Make(kernel, DpcImportance.Low, $"low{i}", IsrCpu));
        }

        Assert.False(kernel.IsDrainRequested(IsrCpu));
        InsertFromIsr(kernel, Make(kernel, DpcImportance.Low, "low2", IsrCpu));
        Assert.True(kernel.IsDrainRequested(IsrCpu));
    }

    [Fact]
    public void Low_RequestRateBelowMinimum_WakesWorker()
    {
        using var kernel = KernelFactory.Manual(minimumRate: 3);
        InsertFromIsr(kernel, Make(kernel, DpcImportance.Low, "low", IsrCpu));

        Assert.True(kernel.IsDrainRequested(IsrCpu));
    }

    [Fact]
    public void Medium_TargetsInsertingCore_WakesWorker()
    {
        using var kernel = KernelFactory.Manual();
        InsertFromIsr(kernel, Make(kernel, DpcImportance.Medium, "m", IsrCpu));

        Assert.True(kernel.IsDrainRequested(IsrCpu));
    }

    [Fact]
    public void Medium_TargetsOtherCore_DoesNotWakeWorker()
    {
        using var kernel = KernelFactory.Manual();
        InsertFromIsr(kernel, Make(kernel, DpcImportance.Medium, "m", RemoteCpu));

        Assert.False(kernel.IsDrainRequested(RemoteCpu));
        Assert.Single(kernel.QueuedDpcs(RemoteCpu));
    }

    [Theory]
    [InlineData(DpcImportance.MediumHigh)]
    [InlineData(DpcImportance.High)]
    public void MediumHighOrHigh_TargetsOtherCore_WakesWorker(DpcImportance importance)
    {
        using var kernel = KernelFactory.Manual();
        InsertFromIsr(kernel, Make(kernel, importance, "x", RemoteCpu));

        Assert.True(kernel.IsDrainRequested(RemoteCpu));
    }

    [Fact]
    public void Drain_AfterWake_RunsLowDpcsQueuedBeforeIt()
    {
        using var kernel = KernelFactory.Manual();
        var ran = new List<string>();
        var low = kernel.InitializeDpc((d, _, _, _) => ran.Add(d.Name), name: "low");
        low.SetImportance(DpcImportance.Low);
        low.SetTargetProcessor(IsrCpu);
        var medium = kernel.InitializeDpc((d, _, _, _) => ran.Add(d.Name), name: "medium");
        medium.SetTargetProcessor(IsrCpu);

        InsertFromIsr(kernel, low);
        Assert.False(kernel.IsDrainRequested(IsrCpu));
        InsertFromIsr(kernel, medium);
        Assert.True(kernel.IsDrainRequested(IsrCpu));
        kernel.RunDpcs(IsrCpu);

        Assert.Equal(["low", "medium"], ran);
    }

    internal static Dpc Make(DpcKernel kernel, DpcImportance importance, string name, int cpu = 0)
    {
        var dpc = kernel.InitializeDpc((_, _, _, _) => { }, name: name);
        dpc.SetImportance(importance);
        dpc.SetTargetProcessor(cpu);
        return dpc;
    }

    /// <summary>Inserts <paramref name="dpc"/> from an ISR, as a driver would.</summary>
    internal static void InsertFromIsr(DpcKernel kernel, Dpc dpc)
    {
        using var controller = new TestInterruptController();
        var interrupt = kernel.ConnectInterrupt(100, (_, ctx, ref _) => ((Dpc)ctx!).Kernel.InsertQueueDpc((Dpc)ctx!), dpc, controller);
        controller.Raise(100, 1);
        kernel.PollInterrupts(controller);
        kernel.DisconnectInterrupt(interrupt);
    }
}
