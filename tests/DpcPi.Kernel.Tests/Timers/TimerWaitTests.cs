using DpcPi.Kernel;
using DpcPi.TestSupport;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>
/// Timers as dispatcher objects (KeInitializeTimerEx, KeWaitForSingleObject, KeReadStateTimer): a notification
/// timer releases every waiter and stays signaled until set again; a synchronization timer releases one waiter
/// per expiry and the satisfied wait resets it. Expiries come from the test (manual kernel, virtual clock); the
/// waiters are real threads, and each test waits until they are blocked before expiring the timer.
/// </summary>
public sealed class TimerWaitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void WaitForSingleObject_NotificationTimerExpires_ReleasesEveryWaiterAndStaysSignaled()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimerEx(TimerType.Notification);
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000));
        var waiters = Enumerable.Range(0, 3).Select(_ => Task.Factory.StartNew(() => kernel.WaitForSingleObject(timer), TaskCreationOptions.LongRunning)).ToArray();
        WaitUntil(() => timer.Signal.Waiters == 3);
        Assert.All(waiters, w => Assert.False(w.IsCompleted));

        kernel.Timers.ExpireTimers(TimerKit.Start + 1_000);

        Assert.True(Task.WaitAll(waiters, Patience));
        Assert.All(waiters, w => Assert.True(w.Result));
        Assert.True(timer.IsSignaled);
        Assert.True(kernel.WaitForSingleObject(timer, TimerDueTime.Relative(0)));
        Assert.True(kernel.WaitForSingleObject(timer, TimerDueTime.Relative(0)));
    }

    [Fact]
    public void WaitForSingleObject_SynchronizationTimerExpires_ReleasesOneWaiterPerExpiryAndResets()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimerEx(TimerType.Synchronization);
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000), 1_000);
        var released = 0;
        var waiters = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() =>
        {
            var r = kernel.WaitForSingleObject(timer);
            Interlocked.Increment(ref released);
            return r;
        }, TaskCreationOptions.LongRunning)).ToArray();
        WaitUntil(() => timer.Signal.Waiters == 2);

        kernel.Timers.ExpireTimers(TimerKit.Start + 1_000);

        Assert.True(Task.WaitAny(waiters, Patience) >= 0);
        WaitUntil(() => Volatile.Read(ref released) == 1 && timer.Signal.Waiters == 1);
        Assert.False(timer.IsSignaled); // the satisfied wait reset it, so the other waiter stays blocked
        Assert.Equal(1, Volatile.Read(ref released));

        kernel.Timers.ExpireTimers(TimerKit.Start + 2_000); // the next period releases the other one

        Assert.True(Task.WaitAll(waiters, Patience));
        Assert.All(waiters, w => Assert.True(w.Result));
        Assert.False(timer.IsSignaled);
    }

    [Fact]
    public void WaitForSingleObject_SynchronizationTimerSignaledWithoutWaiters_FirstWaitConsumesTheSignal()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimerEx(TimerType.Synchronization, "sync");
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000));
        kernel.Timers.ExpireTimers(TimerKit.Start + 1_000);
        Assert.True(timer.IsSignaled);

        Assert.True(kernel.WaitForSingleObject(timer, TimerDueTime.Relative(0)));

        Assert.False(timer.IsSignaled);
        Assert.False(kernel.WaitForSingleObject(timer, TimerDueTime.Relative(0)));
    }

    [Fact]
    public void IsSignaled_NotificationTimer_StaysSignaledUntilSetAgainNotByCancel()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer();
        Assert.Equal(TimerType.Notification, timer.Type);
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000), 1_000);
        Assert.False(timer.IsSignaled);
        kernel.Timers.ExpireTimers(TimerKit.Start + 1_000);

        kernel.CancelTimer(timer);
        Assert.True(timer.IsSignaled);
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000));

        Assert.False(timer.IsSignaled);
    }

    [Fact]
    public void WaitForSingleObject_TimeoutPassesWithoutExpiry_ReturnsFalse()
    {
        using var kernel = KernelFactory.Manual(); // the monotonic clock: the timeout is real time
        var timer = kernel.InitializeTimerEx(TimerType.Synchronization);
        kernel.SetTimer(timer, TimerDueTime.Relative(TimeSpan.FromHours(1).Ticks * 100));
        var before = kernel.Clock.NowNs;

        Assert.False(kernel.WaitForSingleObject(timer, TimerDueTime.Relative(20_000_000)));

        Assert.True(kernel.Clock.NowNs - before >= 20_000_000);
        Assert.False(kernel.WaitForSingleObject(timer, TimerDueTime.Absolute(before))); // a past instant: a poll
    }

    [Fact]
    public void WaitForSingleObject_InDpcRoutineWithNonZeroTimeout_ThrowsWhereWindowsWouldBugCheck()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer("t");
        Exception? refused = null;
        var polled = true;
        var dpc = kernel.InitializeDpc((_, _, _, _) =>
        {
            polled = kernel.WaitForSingleObject(timer, TimerDueTime.Relative(0)); // a poll is allowed at DISPATCH
            refused = Record.Exception(() => kernel.WaitForSingleObject(timer, TimerDueTime.Relative(1_000_000)));
        });
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);

        kernel.RunDpcs(0);

        Assert.False(polled);
        var ex = Assert.IsType<InvalidOperationException>(refused);
        Assert.Contains("in a DPC routine", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WaitForSingleObject_InThreadedDpcOrAtDispatch_Throws()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer("t");
        Exception? inThreaded = null;
        var threaded = kernel.InitializeThreadedDpc((_, _, _, _) => inThreaded = Record.Exception(() => kernel.WaitForSingleObject(timer)));
        threaded.SetTargetProcessor(0);
        kernel.InsertQueueDpc(threaded);
        kernel.RunDpcs(0);

        var old = DpcKernel.RaiseIrql(Irql.Dispatch);
        var atDispatch = Record.Exception(() => kernel.WaitForSingleObject(timer, TimerDueTime.Relative(1)));
        DpcKernel.LowerIrql(old);

        Assert.IsType<InvalidOperationException>(inThreaded);
        Assert.Contains("DISPATCH", Assert.IsType<InvalidOperationException>(atDispatch).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TimerExpiry_WaitersBlocked_AllocatesNothingOnTheExpiringThread()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimerEx(TimerType.Synchronization); // each wait consumes an expiry: the waiter blocks between them
        var stop = false;
        var due = TimerKit.Start;
        kernel.SetTimer(timer, TimerDueTime.Absolute(long.MaxValue)); // never due: waiters stay blocked
        var waiter = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                kernel.WaitForSingleObject(timer);
            }
        });
        waiter.Start();

        void Round()
        {
            for (var i = 0; i < 200; i++)
            {
                due += 1_000;
                kernel.SetTimer(timer, TimerDueTime.Absolute(due));
                kernel.Timers.ExpireTimers(due); // signals; wakes the waiter when it is blocked (a futex wake)
            }
        }

        Round();
        var rounds = AllocationRounds.Measure(Round);
        Volatile.Write(ref stop, true);
        kernel.SetTimer(timer, TimerDueTime.Relative(0));
        kernel.Timers.ExpireTimers(long.MaxValue - 1);
        Assert.True(waiter.Join(Patience));

        Assert.True(rounds.Steady, $"bytes allocated per round of 200 expiries: {rounds}");
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time");
            Thread.Sleep(1);
        }
    }
}
