using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Kernel.Tests;

public sealed class WorkerTests
{
    [Theory]
    [InlineData(DpcWaitStrategy.Blocking)]
    [InlineData(DpcWaitStrategy.SpinThenBlock)]
    [InlineData(DpcWaitStrategy.BusySpin)]
    public void Workers_EachWaitStrategy_RunEveryDpcOnItsPinnedCore(DpcWaitStrategy strategy)
    {
        using var kernel = KernelFactory.Threaded(strategy);
        const int perCore = 200;
        using var done = new CountdownEvent(perCore * kernel.Processors.Count);
        var wrongCore = 0;
        var dpcs = kernel.Processors.Select(cpu =>
        {
            var dpc = kernel.InitializeDpc((_, _, expected, _) =>
            {
                if (kernel.Guarantees.Pinned && ThreadControl.CurrentCpu() != expected)
                {
                    Interlocked.Increment(ref wrongCore);
                }

                done.Signal();
            });
            dpc.SetTargetProcessor(cpu);
            dpc.SetImportance(DpcImportance.High);
            return (dpc, cpu);
        }).ToArray();

        for (var i = 0; i < perCore; i++)
        {
            foreach (var (dpc, cpu) in dpcs)
            {
                // Wait until the previous run finished so every insert is a new run (no coalescing).
                var spin = new SpinWait();
                while (!kernel.InsertQueueDpc(dpc, cpu))
                {
                    spin.SpinOnce();
                }
            }
        }

        Assert.True(done.Wait(TimeSpan.FromSeconds(30)));
        kernel.FlushQueuedDpcs(); // the last routine has signalled; its worker may still be counting the run
        Assert.Equal(0, wrongCore);
        Assert.Equal(perCore * kernel.Processors.Count, kernel.GetProcessorStatistics().Sum(s => s.DpcsRun));
    }

    [Fact]
    public void Workers_AreDedicatedThreadsNotThreadPool()
    {
        using var kernel = KernelFactory.Threaded();
        using var done = new ManualResetEventSlim();
        var pool = true;
        var background = false;
        var dpc = kernel.InitializeDpc((_, _, _, _) =>
        {
            pool = Thread.CurrentThread.IsThreadPoolThread;
            background = Thread.CurrentThread.IsBackground;
            done.Set();
        });
        dpc.SetImportance(DpcImportance.High);

        kernel.InsertQueueDpc(dpc);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.False(pool);
        Assert.True(background);
    }

    [Fact]
    public void DpcRoutine_Throws_IsolatedCountedAndWorkerKeepsRunning()
    {
        using var kernel = KernelFactory.Threaded();
        using var after = new ManualResetEventSlim();
        var bad = kernel.InitializeDpc((_, _, _, _) => throw new InvalidOperationException("boom"), name: "bad");
        bad.SetTargetProcessor(0);
        var good = kernel.InitializeDpc((_, _, _, _) => after.Set(), name: "good");
        good.SetTargetProcessor(0);
        good.SetImportance(DpcImportance.High);

        kernel.InsertQueueDpc(bad);
        kernel.FlushQueuedDpcs();
        kernel.InsertQueueDpc(bad);
        kernel.FlushQueuedDpcs();
        kernel.InsertQueueDpc(good);

        Assert.True(after.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, bad.GetStatistics().Exceptions);
        Assert.Equal(2, kernel.GetProcessorStatistics(0).Exceptions);
        var events = kernel.DrainEvents().Where(e => e.Kind == "dpc-exception").ToList();
        Assert.Single(events); // reported once per routine, counted every time
        Assert.Contains("bad", events[0].Message, StringComparison.Ordinal);
        Assert.False(kernel.Faulted.IsCompleted);
    }

    [Fact]
    public void DpcRoutine_ThrowsUnderFailFast_FaultsKernelNamingRoutine()
    {
        using var kernel = KernelFactory.Threaded(configure: o => o.ExceptionPolicy = DpcExceptionPolicy.FailFast);
        var bad = kernel.InitializeDpc((_, _, _, _) => throw new InvalidOperationException("boom"), name: "bad");
        bad.SetImportance(DpcImportance.High);

        kernel.InsertQueueDpc(bad);

        Assert.True(kernel.Faulted.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal("bad", kernel.Faulted.Result.Routine);
        Assert.Equal("KMODE_EXCEPTION_NOT_HANDLED", kernel.Faulted.Result.Code);
    }
}
