using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class InsertQueueDpcTests
{
    [Fact]
    public void InsertQueueDpc_AlreadyQueued_ReturnsFalseAndRoutineSeesFirstArguments()
    {
        using var kernel = KernelFactory.Manual();
        var seen = new List<(nint, nint)>();
        var dpc = kernel.InitializeDpc((_, _, a1, a2) => seen.Add((a1, a2)));
        dpc.SetTargetProcessor(0);

        Assert.True(kernel.InsertQueueDpc(dpc, 1, 2));
        Assert.False(kernel.InsertQueueDpc(dpc, 3, 4));
        Assert.False(kernel.InsertQueueDpc(dpc, 5, 6));
        Assert.Single(kernel.QueuedDpcs(0));
        kernel.RunDpcs(0);

        Assert.Equal([((nint)1, (nint)2)], seen);
    }

    [Fact]
    public void InsertQueueDpc_Coalesced_CountedPerDpcAndPerCore()
    {
        using var kernel = KernelFactory.Manual();
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });
        dpc.SetTargetProcessor(1);

        kernel.InsertQueueDpc(dpc);
        kernel.InsertQueueDpc(dpc);
        kernel.InsertQueueDpc(dpc);

        Assert.Equal(2, dpc.GetStatistics().CoalescedInserts);
        Assert.Equal(2, kernel.GetProcessorStatistics(1).CoalescedInserts);
        Assert.Equal(0, kernel.GetProcessorStatistics(0).CoalescedInserts);
    }

    [Fact]
    public void InsertQueueDpc_AfterRun_CanQueueAgain()
    {
        using var kernel = KernelFactory.Manual();
        var runs = 0;
        var dpc = kernel.InitializeDpc((_, _, _, _) => runs++);
        dpc.SetTargetProcessor(0);

        Assert.True(kernel.InsertQueueDpc(dpc));
        kernel.RunDpcs(0);
        Assert.True(kernel.InsertQueueDpc(dpc));
        kernel.RunDpcs(0);

        Assert.Equal(2, runs);
    }
}
