using System.Collections.Concurrent;
using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>KeGenericCallDpc / KeSignalCallDpcDone / KeSignalCallDpcSynchronize on a started kernel (the routines run on the workers at once).</summary>
public sealed class GenericCallDpcTests
{
    [Fact]
    public void GenericCallDpc_Routine_RunsOnEveryCoreAtDispatchAndTheCallerWaitsForAll()
    {
        using var kernel = KernelFactory.Threaded();
        var ran = new ConcurrentBag<(string? Thread, Irql Irql, bool Executing)>();
        var context = new object();
        object? seenContext = null;

        kernel.GenericCallDpc((_, ctx, a1, _) =>
        {
            seenContext = ctx;
            ran.Add((Thread.CurrentThread.Name, DpcKernel.CurrentIrql, DpcKernel.IsExecutingDpc));
            kernel.SignalCallDpcDone(a1);
        }, context);

        // Returned: every core has signalled done, so every run is recorded.
        Assert.Equal(kernel.Processors.Select(c => (string?)$"dpc/{c}").Order(), ran.Select(r => r.Thread).Order());
        Assert.All(ran, r => Assert.Equal((Irql.Dispatch, true), (r.Irql, r.Executing)));
        Assert.Same(context, seenContext);
    }

    [Fact]
    public void SignalCallDpcSynchronize_EveryCore_NoneLeavesBeforeAllArriveAndExactlyOneGetsTrue()
    {
        using var kernel = KernelFactory.Threaded(DpcWaitStrategy.SpinThenBlock);
        var n = kernel.Processors.Count;
        int arrived = 0, arrivedAgain = 0, winners = 0, secondWinners = 0;
        var seenAtPass = new ConcurrentBag<int>();
        var seenAtSecondPass = new ConcurrentBag<int>();

        kernel.GenericCallDpc((_, _, a1, a2) =>
        {
            Interlocked.Increment(ref arrived);
            if (kernel.SignalCallDpcSynchronize(a2))
            {
                Interlocked.Increment(ref winners);
            }

            seenAtPass.Add(Volatile.Read(ref arrived));
            Interlocked.Increment(ref arrivedAgain);
            if (kernel.SignalCallDpcSynchronize(a2)) // the barrier is reusable
            {
                Interlocked.Increment(ref secondWinners);
            }

            seenAtSecondPass.Add(Volatile.Read(ref arrivedAgain));
            kernel.SignalCallDpcDone(a1);
        });

        Assert.Equal(1, winners);
        Assert.Equal(1, secondWinners);
        Assert.All(seenAtPass, a => Assert.Equal(n, a));
        Assert.All(seenAtSecondPass, a => Assert.Equal(n, a));
    }

    [Fact]
    public void GenericCallDpc_RoutineReturnsWithoutSignallingDone_CallerStillReturns()
    {
        using var kernel = KernelFactory.Threaded();
        var runs = 0;

        kernel.GenericCallDpc((_, _, _, _) => Interlocked.Increment(ref runs));

        Assert.Equal(kernel.Processors.Count, runs);
    }

    [Fact]
    public void SignalCallDpcDone_ArgumentOfNoCallInProgress_Throws()
    {
        using var kernel = KernelFactory.Threaded();
        var refused = new ConcurrentBag<Exception?>();

        kernel.GenericCallDpc((_, _, a1, _) =>
        {
            refused.Add(Record.Exception(() => kernel.SignalCallDpcDone(a1 + 1)));
            kernel.SignalCallDpcDone(a1);
        });

        Assert.All(refused, e => Assert.IsType<ArgumentException>(e));
        Assert.Throws<InvalidOperationException>(() => kernel.SignalCallDpcDone(1)); // outside a DPC routine
    }

    [Fact]
    public void GenericCallDpc_FromDpcRoutineOrManualKernel_Throws()
    {
        using var kernel = KernelFactory.Manual();
        Exception? fromDpc = null;
        var dpc = kernel.InitializeDpc((_, _, _, _) => fromDpc = Record.Exception(() => kernel.GenericCallDpc((_, _, _, _) => { })));
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);
        kernel.RunDpcs(0);

        Assert.Contains("PASSIVE_LEVEL", Assert.IsType<InvalidOperationException>(fromDpc).Message, StringComparison.Ordinal);
        Assert.Contains("worker threads", Assert.Throws<InvalidOperationException>(() => kernel.GenericCallDpc((_, _, _, _) => { })).Message, StringComparison.Ordinal);
    }
}
