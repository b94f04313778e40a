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
        kernel.FlushQueuedDpcs(); // the routine has signalled; its worker may still be counting the run
        Assert.Equal(Irql.Passive, irql);
        Assert.Equal("dpc-thr/0", thread);
        Assert.Equal(1, kernel.GetProcessorStatistics(0).ThreadedDpcsRun);
    }

    [Fact]
    public void ThreadedDpc_BusySpinRealtimeWorkerOnSameCore_StillRuns()
    {
        // A FIFO worker that busy-spins owns its core: the kernel must still start (the threaded worker,
        // lower priority, has to get as far as saying it is ready) and a threaded DPC must still run.
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0], Realtime = true, Pin = true, WaitStrategy = DpcWaitStrategy.BusySpin, MinimumDpcRate = 0 });
        var start = Task.Run(() => kernel.Start());
        Assert.True(start.Wait(TimeSpan.FromSeconds(10)), "Start did not return");
        using var done = new ManualResetEventSlim();
        var dpc = kernel.InitializeThreadedDpc((_, _, _, _) => done.Set());
        dpc.SetTargetProcessor(0);

        var sw = System.Diagnostics.Stopwatch.StartNew();
        kernel.InsertQueueDpc(dpc);

        // Without yielding it would wait for RT throttling (up to a second per period) or forever. Both
        // threads involved are FIFO, so machine load does not stretch this.
        Assert.True(done.Wait(TimeSpan.FromMilliseconds(500)), $"threaded DPC starved (realtime in force: {kernel.Guarantees.Realtime})");
        Console.WriteLine($"threaded DPC ran {sw.Elapsed.TotalMicroseconds:0} us after its insert");
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
