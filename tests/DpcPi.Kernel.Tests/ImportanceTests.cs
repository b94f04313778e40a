using DpcPi.TestSupport;
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
    public void High_InsertedWhileWorkerRunsABatch_RunsBeforeTheRestOfTheBatch()
    {
        // The worker takes inserted DPCs in batches; a High one inserted meanwhile must still run next,
        // as it would from the head of a Windows DPC queue: queue [b] + x → [b, x] + h → [h, b, x].
        using var kernel = KernelFactory.Threaded();
        using var aEntered = new ManualResetEventSlim();
        using var releaseA = new ManualResetEventSlim();
        using var done = new CountdownEvent(4);
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Dpc Worker(string name, DpcImportance importance, Action? body = null)
        {
            var d = kernel.InitializeDpc((_, _, _, _) =>
            {
                order.Enqueue(name);
                body?.Invoke();
                done.Signal();
            }, name: name);
            d.SetTargetProcessor(RemoteCpu);
            d.SetImportance(importance);
            return d;
        }

        var a = Worker("a", DpcImportance.MediumHigh, () =>
        {
            aEntered.Set();
            releaseA.Wait(TimeSpan.FromSeconds(10));
        });
        var b = Worker("b", DpcImportance.MediumHigh);
        var x = Worker("x", DpcImportance.MediumHigh);
        var h = Worker("h", DpcImportance.High);

        using (kernel.HoldAtDispatch(RemoteCpu))
        {
            kernel.InsertQueueDpc(a);
            kernel.InsertQueueDpc(b);
        }

        Assert.True(aEntered.Wait(TimeSpan.FromSeconds(10)));
        kernel.InsertQueueDpc(x);
        kernel.InsertQueueDpc(h);
        releaseA.Set();

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(["a", "h", "b", "x"], order);
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
