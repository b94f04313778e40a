using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class RemoveQueueDpcTests
{
    [Fact]
    public void RemoveQueueDpc_Queued_ReturnsTrueAndRoutineNeverRuns()
    {
        using var kernel = KernelFactory.Manual();
        var runs = 0;
        var dpc = kernel.InitializeDpc((_, _, _, _) => runs++);
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);

        Assert.True(kernel.RemoveQueueDpc(dpc));
        kernel.RunDpcs(0);

        Assert.Equal(0, runs);
        Assert.Empty(kernel.QueuedDpcs(0));
    }

    [Fact]
    public void RemoveQueueDpc_NotQueued_ReturnsFalse()
    {
        using var kernel = KernelFactory.Manual();
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });

        Assert.False(kernel.RemoveQueueDpc(dpc));
    }

    [Fact]
    public void RemoveQueueDpc_Twice_SecondReturnsFalse()
    {
        using var kernel = KernelFactory.Manual();
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });
        kernel.InsertQueueDpc(dpc);

        Assert.True(kernel.RemoveQueueDpc(dpc));
        Assert.False(kernel.RemoveQueueDpc(dpc));
    }

    [Fact]
    public void RemoveQueueDpc_MiddleOfQueue_KeepsOthersInOrder()
    {
        using var kernel = KernelFactory.Manual();
        var a = ImportanceTests.Make(kernel, DpcImportance.Medium, "a");
        var b = ImportanceTests.Make(kernel, DpcImportance.Medium, "b");
        var c = ImportanceTests.Make(kernel, DpcImportance.Medium, "c");
        kernel.InsertQueueDpc(a);
        kernel.InsertQueueDpc(b);
        kernel.InsertQueueDpc(c);

        Assert.True(kernel.RemoveQueueDpc(b));

        Assert.Equal(["a", "c"], kernel.QueuedDpcs(0).Select(d => d.Name));
    }

    [Fact]
    public void RemoveQueueDpc_WhileRunning_ReturnsFalseAndRoutineCompletes()
    {
        using var kernel = KernelFactory.Threaded();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        using var finished = new ManualResetEventSlim();
        var dpc = kernel.InitializeDpc((_, _, _, _) =>
        {
            entered.Set();
            gate.Wait();
            finished.Set();
        });
        dpc.SetTargetProcessor(0);
        dpc.SetImportance(DpcImportance.High);
        kernel.InsertQueueDpc(dpc);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));

        Assert.False(kernel.RemoveQueueDpc(dpc));
        gate.Set();

        Assert.True(finished.Wait(TimeSpan.FromSeconds(10)));
    }
}
