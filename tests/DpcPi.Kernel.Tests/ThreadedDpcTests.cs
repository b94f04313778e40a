using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class ThreadedDpcTests
{
    [Fact]
    public void ThreadedDpc_Runs_AtPassiveOnThreadedWorker()
    {
        using var kernel = KernelFactory.Threaded();
        using var done = new ManualResetEventSlim();
        Irql irql = Irql.High;
        string? thread = null;
        var dpc = kernel.InitializeThreadedDpc((_, _, _, _) =>
        {
            irql = DpcKernel.CurrentIrql;
            thread = Thread.CurrentThread.Name;
            done.Set();
        });
        dpc.SetTargetProcessor(0);

        kernel.InsertQueueDpc(dpc);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(Irql.Passive, irql);
        Assert.Equal("dpc-thr/0", thread);
        Assert.Equal(1, kernel.GetProcessorStatistics(0).ThreadedDpcsRun);
    }

    [Fact]
    public void ThreadedDpc_Running_NormalDpcOnSameCoreRunsAndFinishesMeanwhile()
    {
        using var kernel = KernelFactory.Threaded();
        using var threadedEntered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        using var normalDone = new ManualResetEventSlim();
        var threadedFinishedBeforeNormal = false;
        var threadedFinished = false;
        var threaded = kernel.InitializeThreadedDpc((_, _, _, _) =>
        {
            threadedEntered.Set();
            gate.Wait();
            threadedFinished = true;
        });
        threaded.SetTargetProcessor(0);
        var normal = kernel.InitializeDpc((_, _, _, _) =>
        {
            threadedFinishedBeforeNormal = Volatile.Read(ref threadedFinished);
            normalDone.Set();
        });
        normal.SetTargetProcessor(0);
        normal.SetImportance(DpcImportance.High);

        kernel.InsertQueueDpc(threaded);
        Assert.True(threadedEntered.Wait(TimeSpan.FromSeconds(10)));
        kernel.InsertQueueDpc(normal);

        Assert.True(normalDone.Wait(TimeSpan.FromSeconds(10)));
        Assert.False(threadedFinishedBeforeNormal);
        gate.Set();
    }

    [Fact]
    public void ThreadedDpc_QueuedWithNormal_GoesToThreadedList()
    {
        using var kernel = KernelFactory.Manual();
        var normal = ImportanceTests.Make(kernel, DpcImportance.Medium, "normal");
        var threaded = kernel.InitializeThreadedDpc((_, _, _, _) => { }, name: "threaded");
        threaded.SetTargetProcessor(0);

        kernel.InsertQueueDpc(normal);
        kernel.InsertQueueDpc(threaded);

        Assert.Equal(["normal"], kernel.QueuedDpcs(0).Select(d => d.Name));
        Assert.Equal(["threaded"], kernel.QueuedDpcs(0, threaded: true).Select(d => d.Name));
        Assert.True(kernel.IsDrainRequested(0, threaded: true));
    }
}
