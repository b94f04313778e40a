using DpcPi.TestSupport;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel.Tests;

/// <summary>
/// KernelOptions.RunLocalDpcsOnIsrThread: a DPC the ISR queues on its own core runs on the ISR thread once the
/// interrupt is dispatched (Windows runs it when the IRQL drops), not on that core's worker.
/// </summary>
public sealed class IsrThreadDrainTests
{
    [Fact]
    public void DpcForIsr_RunLocalDpcsOnIsrThread_RunsOnTheIsrThreadAtDispatch()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller, configure: o => o.RunLocalDpcsOnIsrThread = true);
        using var done = new ManualResetEventSlim();
        string? isrThread = null;
        string? dpcThread = null;
        var irql = Irql.Passive;
        var device = kernel.CreateDevice("button", (_, _, _, _) =>
        {
            dpcThread = Thread.CurrentThread.Name;
            irql = DpcKernel.CurrentIrql;
            done.Set();
        });
        kernel.ConnectInterrupt(3, (_, ctx, ref _) =>
        {
            isrThread = Thread.CurrentThread.Name;
            return ((DeviceObject)ctx!).RequestDpc();
        }, device, controller);

        controller.Raise(3, kernel.Clock.NowNs);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal("isr", isrThread);
        Assert.Equal("isr", dpcThread);
        Assert.Equal(Irql.Dispatch, irql);
        kernel.FlushQueuedDpcs();
        Assert.Equal(1, kernel.MergeStage(LatencyStage.QueueWait).TotalCount);
    }

    [Fact]
    public void Watchdog_SlowDpcOnIsrThread_ReportedOnceAfterItReturns()
    {
        // The clock tick is the ISR thread's own interrupt, so it cannot look while a DPC runs there; the drain
        // applies the same limit to what it ran once it returns.
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller, configure: o =>
        {
            o.RunLocalDpcsOnIsrThread = true;
            o.WatchdogDpcLimitNs = 1_000_000;
            o.WatchdogCumulativeLimitNs = 1_000_000_000;
        });
        using var done = new ManualResetEventSlim();
        string? dpcThread = null;
        var device = kernel.CreateDevice("slow-device", (_, _, _, _) =>
        {
            dpcThread = Thread.CurrentThread.Name;
            Thread.Sleep(20); // 20x the limit
            done.Set();
        });
        kernel.ConnectInterrupt(3, (_, ctx, ref _) => ((DeviceObject)ctx!).RequestDpc(), device, controller);

        controller.Raise(3, kernel.Clock.NowNs);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        kernel.FlushQueuedDpcs();
        SpinWait.SpinUntil(() => kernel.WatchdogViolations > 0, TimeSpan.FromSeconds(10));
        Assert.Equal("isr", dpcThread);
        Assert.Equal(1, kernel.WatchdogViolations);
        var e = Assert.Single(kernel.DrainEvents(), x => x.Kind == "watchdog");
        Assert.Equal("slow-device.DpcForIsr", e.Routine);
        Assert.Equal(1, kernel.GetProcessorStatistics(kernel.IsrProcessor).WatchdogPerDpcViolations);
        Assert.Equal(0, kernel.GetProcessorStatistics(kernel.IsrProcessor).WatchdogCumulativeViolations);
    }

    [Fact]
    public void Watchdog_FastDpcsOnIsrThread_NothingReported()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller, configure: o =>
        {
            o.RunLocalDpcsOnIsrThread = true;
            o.WatchdogDpcLimitNs = 50_000_000; // far above a busy CI machine's worst pre-emption
        });
        var runs = 0;
        var device = kernel.CreateDevice("fast-device", (_, _, _, _) => Interlocked.Increment(ref runs));
        kernel.ConnectInterrupt(3, (_, ctx, ref _) => ((DeviceObject)ctx!).RequestDpc(), device, controller);

        for (var i = 0; i < 50; i++)
        {
            controller.Raise(3, kernel.Clock.NowNs);
            SpinWait.SpinUntil(() => Volatile.Read(ref runs) > i, TimeSpan.FromSeconds(10));
        }

        kernel.FlushQueuedDpcs();
        Assert.Equal(50, Volatile.Read(ref runs));
        Assert.Equal(0, kernel.WatchdogViolations);
    }

    [Fact]
    public void DpcForIsr_Default_RunsOnTheWorker()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller);
        using var done = new ManualResetEventSlim();
        string? dpcThread = null;
        var device = kernel.CreateDevice("button", (_, _, _, _) =>
        {
            dpcThread = Thread.CurrentThread.Name;
            done.Set();
        });
        kernel.ConnectInterrupt(3, (_, ctx, ref _) => ((DeviceObject)ctx!).RequestDpc(), device, controller);

        controller.Raise(3, kernel.Clock.NowNs);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.NotEqual("isr", dpcThread);
    }

    [Fact]
    public void RunLocalDpcsOnIsrThread_IsrAndOtherThreadsInsertingAtOnce_EveryInsertRunsOnceAndNeverTwoAtATime()
    {
        // The ISR thread and the worker share the ISR core's lane: interrupts and inserts from another thread race
        // for 20,000 rounds; each accepted insert must run exactly once, and no two routines may overlap on the core.
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(DpcWaitStrategy.SpinThenBlock, controller: controller, configure: o => o.RunLocalDpcsOnIsrThread = true);
        var isrCpu = kernel.IsrProcessor;
        long runs = 0;
        var active = 0;
        var overlaps = 0;
        DeferredRoutine routine = (_, _, _, _) =>
        {
            if (Interlocked.Increment(ref active) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            Thread.SpinWait(20);
            Interlocked.Decrement(ref active);
            Interlocked.Increment(ref runs);
        };
        var fromIsr = Enumerable.Range(0, 8).Select(i => kernel.InitializeDpc(routine, null, name: $"isr{i}")).ToArray();
        var fromThread = Enumerable.Range(0, 8).Select(i => kernel.InitializeDpc(routine, null, name: $"thread{i}")).ToArray();
        foreach (var d in fromThread)
        {
            d.SetTargetProcessor(isrCpu);
            d.SetImportance(DpcImportance.MediumHigh);
        }

        long accepted = 0;
        var next = 0;
        kernel.ConnectInterrupt(3, (_, _, ref _) =>
        {
            if (kernel.InsertQueueDpc(fromIsr[next++ & 7]))
            {
                Interlocked.Increment(ref accepted);
            }

            return true;
        }, null, controller);

        const int Rounds = 20_000;
        var inserter = new Thread(() =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                if (kernel.InsertQueueDpc(fromThread[i & 7]))
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        });
        inserter.Start();
        for (var i = 0; i < Rounds; i++)
        {
            controller.Raise(3, kernel.Clock.NowNs);
        }

        inserter.Join();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (kernel.Interrupts.Single(x => x.Vector == 3).Count < Rounds && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        kernel.FlushQueuedDpcs();

        Assert.Equal(Rounds, kernel.Interrupts.Single(x => x.Vector == 3).Count);
        Assert.Equal(Interlocked.Read(ref accepted), Interlocked.Read(ref runs));
        Assert.Equal(0, overlaps);
    }

    [Fact]
    public void RunLocalDpcsOnIsrThread_CoreHeld_IsrThreadDoesNotWaitAndTheDpcRunsAfterTheRelease()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller, configure: o => o.RunLocalDpcsOnIsrThread = true);
        using var ran = new ManualResetEventSlim();
        var device = kernel.CreateDevice("button", (_, _, _, _) => ran.Set());
        var interrupt = kernel.ConnectInterrupt(3, (_, ctx, ref _) => ((DeviceObject)ctx!).RequestDpc(), device, controller);
        var hold = kernel.HoldAtDispatch(kernel.IsrProcessor);

        controller.Raise(3, kernel.Clock.NowNs);
        controller.Raise(3, kernel.Clock.NowNs + 1);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (interrupt.Count < 2 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        Assert.Equal(2, interrupt.Count); // the ISR thread went on servicing while the core was held
        Assert.False(ran.IsSet);
        hold.Dispose();
        Assert.True(ran.Wait(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void DpcForIsr_InterruptsPendingTogether_CoalescedAsPendingTogether()
    {
        // The first ISR waits while three more edges arrive: the ISR thread then dispatches those three in one
        // pass, so the first of them queues the DPC and the other two find it queued (Windows coalesces them too).
        // On the ISR thread the DPC cannot run inside a pass; a worker on another core could, so this runs inline.
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller, configure: o => o.RunLocalDpcsOnIsrThread = true);
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var runs = 0;
        var device = kernel.CreateDevice("button", (_, _, _, _) => Interlocked.Increment(ref runs));
        var first = true;
        var interrupt = kernel.ConnectInterrupt(3, (_, ctx, ref _) =>
        {
            if (first)
            {
                first = false;
                entered.Set();
                gate.Wait(TimeSpan.FromSeconds(10));
            }

            return ((DeviceObject)ctx!).RequestDpc();
        }, device, controller);

        controller.Raise(3, kernel.Clock.NowNs);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));
        for (var i = 1; i <= 3; i++)
        {
            controller.Raise(3, kernel.Clock.NowNs + i);
        }

        gate.Set();
        SpinWait.SpinUntil(() => interrupt.Count == 4 && Volatile.Read(ref runs) == 2, TimeSpan.FromSeconds(10));
        kernel.FlushQueuedDpcs();

        var dpc = device.DpcForIsr.GetStatistics();
        Assert.Equal(2, Volatile.Read(ref runs));
        Assert.Equal(2, dpc.CoalescedInserts);
        Assert.Equal(2, dpc.CoalescedPendingTogether);
        var core = kernel.GetProcessorStatistics(kernel.IsrProcessor);
        Assert.Equal(2, core.CoalescedInserts);
        Assert.Equal(2, core.CoalescedPendingTogether);
    }

    [Fact]
    public void DpcForIsr_InterruptInALaterPassWhileItsDpcWaits_CoalescedButNotPendingTogether()
    {
        // The core is held, so the DPC the first interrupt queued cannot start; the second interrupt comes in a later
        // pass of the ISR thread and finds it queued: the DPC side fell behind, which is not the interrupts' doing.
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller, configure: o => o.RunLocalDpcsOnIsrThread = true);
        var runs = 0;
        var device = kernel.CreateDevice("button", (_, _, _, _) => Interlocked.Increment(ref runs));
        var interrupt = kernel.ConnectInterrupt(3, (_, ctx, ref _) => ((DeviceObject)ctx!).RequestDpc(), device, controller);
        var hold = kernel.HoldAtDispatch(kernel.IsrProcessor);

        controller.Raise(3, kernel.Clock.NowNs);
        SpinWait.SpinUntil(() => interrupt.Count == 1, TimeSpan.FromSeconds(10));
        controller.Raise(3, kernel.Clock.NowNs + 1);
        SpinWait.SpinUntil(() => interrupt.Count == 2, TimeSpan.FromSeconds(10));
        var dpc = device.DpcForIsr.GetStatistics();
        hold.Dispose();
        SpinWait.SpinUntil(() => Volatile.Read(ref runs) == 1, TimeSpan.FromSeconds(10));

        Assert.Equal(2, interrupt.Count);
        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.Equal(1, dpc.CoalescedInserts);
        Assert.Equal(0, dpc.CoalescedPendingTogether);
    }

    [Fact]
    public void InsertQueueDpc_OutsideAnIsr_NeverCountedAsPendingTogether()
    {
        // Passes belong to the ISR thread: two inserts from an ordinary thread coalesce, but not "pending together".
        using var kernel = KernelFactory.Threaded();
        var dpc = kernel.InitializeDpc((_, _, _, _) => { }, name: "plain");
        var hold = kernel.HoldAtDispatch(kernel.Processors[0]);
        dpc.SetTargetProcessor(kernel.Processors[0]);

        Assert.True(kernel.InsertQueueDpc(dpc));
        Assert.False(kernel.InsertQueueDpc(dpc));
        var stats = dpc.GetStatistics();
        hold.Dispose();

        Assert.Equal(1, stats.CoalescedInserts);
        Assert.Equal(0, stats.CoalescedPendingTogether);
    }
}
