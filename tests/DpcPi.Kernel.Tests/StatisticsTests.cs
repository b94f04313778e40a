using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class StatisticsTests
{
    [Fact]
    public void Statistics_AfterRuns_CountRunsQueuedHighWaterTimeAndSlowestRoutine()
    {
        var clock = new VirtualClock();
        using var kernel = KernelFactory.Manual(clock: clock);
        var fast = kernel.InitializeDpc((_, _, _, _) => clock.Advance(1_000), name: "fast");
        var slow = kernel.InitializeDpc((_, _, _, _) => clock.Advance(9_000), name: "slow");
        fast.SetTargetProcessor(0);
        slow.SetTargetProcessor(0);

        kernel.InsertQueueDpc(fast);
        kernel.InsertQueueDpc(slow);
        kernel.InsertQueueDpc(slow);
        kernel.RunDpcs(0);
        kernel.InsertQueueDpc(fast);
        kernel.RunDpcs(0);

        var s = kernel.GetProcessorStatistics(0);
        Assert.Equal(3, s.DpcsRun);
        Assert.Equal(3, s.DpcsQueued);
        Assert.Equal(1, s.CoalescedInserts);
        Assert.Equal(2, s.QueueDepthHighWater);
        Assert.Equal(11_000, s.TimeInDpcNs);
        Assert.Equal(9_000, s.MaxDpcExecutionNs);
        Assert.Equal("slow", s.MaxDpcRoutine);
        Assert.Equal(0, s.QueueDepth);
        Assert.Equal(2, fast.GetStatistics().RunCount);
        Assert.Equal(9_000, slow.GetStatistics().MaxExecutionNs);
        Assert.Equal(2, fast.ExecutionTime.TotalCount);
    }

    [Fact]
    public void Statistics_CoreLockHeldByAnotherThread_ReadWithoutWaitingForIt()
    {
        // Observers (live view, metrics) run at normal priority: were they to take the core's lock, a real-time ISR
        // thread needing it could wait for as long as the scheduler keeps them off the CPU.
        using var kernel = KernelFactory.Manual();
        var dpc = kernel.InitializeDpc((_, _, _, _) => { }, name: "queued");
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using (kernel.GetProcessor(0).Lock.EnterScope())
            {
                held.Set();
                release.Wait();
            }
        });
        holder.Start();
        held.Wait(TestContext.Current.CancellationToken);
        try
        {
            var read = Task.Run(() => kernel.GetProcessorStatistics(0), TestContext.Current.CancellationToken);

            Assert.True(read.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the statistics waited for the core's lock");
            Assert.Equal((1, 1, 0L), (read.Result.QueueDepth, read.Result.QueueDepthHighWater, read.Result.DpcsRun));
        }
        finally
        {
            release.Set();
            holder.Join();
        }
    }

    [Fact]
    public void Timeline_KernelStartedLateAfterCreation_CountsSecondsFromTheStart()
    {
        var clock = new VirtualClock();
        using var kernel = KernelFactory.Manual(clock: clock);
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });
        dpc.SetTargetProcessor(0);
        clock.Advance(3_500_000_000); // e.g. a warm-up between creating the kernel and starting it

        kernel.Start();
        clock.Advance(200_000_000);
        kernel.InsertQueueDpc(dpc);
        clock.Advance(5_000);
        kernel.RunDpcs(0);

        var recorder = kernel.GetRecorder(0);
        Assert.Equal(1, recorder.TimelineLength);
        Assert.Equal(5_000, recorder.MaxInSecond(0));
    }

    [Fact]
    public void QueueDepthHighWater_RoutinesInsertingAsTheyRun_IsTheDeepestTheQueueGot()
    {
        // Three queued, then every routine queues one more: the queue stays three deep however long it runs.
        var clock = new VirtualClock();
        using var kernel = KernelFactory.Manual(clock: clock);
        var pool = new Queue<Dpc>();
        for (var i = 0; i < 200; i++)
        {
            var dpc = kernel.InitializeDpc((_, _, _, _) =>
            {
                clock.Advance(100);
                if (pool.TryDequeue(out var next))
                {
                    kernel.InsertQueueDpc(next);
                }
            });
            dpc.SetTargetProcessor(0);
            pool.Enqueue(dpc);
        }

        for (var i = 0; i < 3; i++)
        {
            kernel.InsertQueueDpc(pool.Dequeue());
        }

        kernel.RunDpcs(0);

        var s = kernel.GetProcessorStatistics(0);
        Assert.Equal(200, s.DpcsRun);
        Assert.Equal(3, s.QueueDepthHighWater);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void QueueDepthHighWater_RandomInsertsDuringRuns_MatchesACountOfInsertsLessRuns(int seed)
    {
        // Each routine queues 0, 1 or 2 fresh DPCs (never one already queued); the test keeps the true depth
        // (inserted − started) and its maximum at every insert, where the maximum can only happen.
        var random = new Random(seed);
        var clock = new VirtualClock();
        using var kernel = KernelFactory.Manual(clock: clock);
        var pool = new Queue<Dpc>();
        int depth = 0, deepest = 0;
        void Insert()
        {
            if (pool.TryDequeue(out var next))
            {
                clock.Advance(10);
                Assert.True(kernel.InsertQueueDpc(next));
                deepest = Math.Max(deepest, ++depth);
            }
        }

        for (var i = 0; i < 600; i++)
        {
            var dpc = kernel.InitializeDpc((_, _, _, _) =>
            {
                depth--;
                clock.Advance(10);
                var inserts = random.Next(3);
                for (var n = 0; n < inserts; n++)
                {
                    Insert();
                }
            });
            dpc.SetTargetProcessor(0);
            pool.Enqueue(dpc);
        }

        for (var i = 0; i < 5; i++)
        {
            Insert();
        }

        kernel.RunDpcs(0);

        var s = kernel.GetProcessorStatistics(0);
        Assert.Equal(600 - pool.Count, s.DpcsRun);
        Assert.Equal(deepest, s.QueueDepthHighWater);
    }
}
