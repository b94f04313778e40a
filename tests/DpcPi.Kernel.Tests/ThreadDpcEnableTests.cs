using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>KernelOptions.ThreadDpcEnable = false (Windows' ThreadDpcEnable = 0): threaded DPCs run as ordinary DPCs.</summary>
public sealed class ThreadDpcEnableTests
{
    [Fact]
    public void InitializeThreadedDpc_ThreadDpcEnableOff_QueuedOnNormalListAndRunsAtDispatch()
    {
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0, 1], StartThreads = false, Realtime = false, Pin = false, ThreadDpcEnable = false });
        var irql = Irql.Passive;
        var executing = false;
        var dpc = kernel.InitializeThreadedDpc((_, _, _, _) =>
        {
            irql = DpcKernel.CurrentIrql;
            executing = DpcKernel.IsExecutingDpc;
        });
        dpc.SetTargetProcessor(0);

        kernel.InsertQueueDpc(dpc);

        Assert.False(dpc.IsThreaded);
        Assert.Equal([dpc], kernel.QueuedDpcs(0));
        Assert.Empty(kernel.QueuedDpcs(0, threaded: true));
        kernel.RunDpcs(0);
        Assert.Equal(Irql.Dispatch, irql);
        Assert.True(executing);
    }

    [Fact]
    public void ThreadedDpc_ThreadDpcEnableOffOnStartedKernel_RunsOnTheDpcWorkerAndFlushReturns()
    {
        using var kernel = KernelFactory.Threaded(configure: o => o.ThreadDpcEnable = false);
        using var done = new ManualResetEventSlim();
        string? thread = null;
        var dpc = kernel.InitializeThreadedDpc((_, _, _, _) =>
        {
            thread = Thread.CurrentThread.Name;
            done.Set();
        });
        dpc.SetTargetProcessor(0);

        kernel.InsertQueueDpc(dpc);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        kernel.FlushQueuedDpcs(); // no threaded-DPC thread was started: the flush must not wait for one
        Assert.Equal("dpc/0", thread);
        Assert.Equal(1, kernel.GetProcessorStatistics(0).DpcsRun);
        Assert.Equal(0, kernel.GetProcessorStatistics(0).ThreadedDpcsRun);
    }
}
