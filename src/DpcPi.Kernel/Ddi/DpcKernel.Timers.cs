namespace DpcPi.Kernel;

/// <summary>Timer objects and the clock interrupt (KeInitializeTimer(Ex), KeSetTimerEx, KeSetCoalescableTimer, KeCancelTimer, KeWaitForSingleObject).</summary>
public sealed partial class DpcKernel
{
    /// <summary>
    /// The clock interrupt's kernel work (KeUpdateRunTime for every core): drains left-over DPCs, adapts
    /// the drain thresholds, updates request rates, checks the watchdog; in <see cref="TimerMode.PeriodicTick"/>
    /// it then expires every timer due by now. Called by the tick ISR (<see cref="ConnectClockInterrupt"/>).
    /// </summary>
    public void ClockTick()
    {
        if (!_clockDriven)
        {
            SetClockDriven(true); // a caller that ticks the kernel itself is its clock
        }

        var previous = KernelThread.Irql;
        KernelThread.Irql = Irql.Clock;
        try
        {
            Interlocked.Increment(ref _ticks);
            var now = Clock.NowNs;
            foreach (var p in _processors)
            {
                p.OnClockTick(now);
            }

            // After the per-core work, as Windows queues its timer expiry after KeUpdateRunTime: timer
            // DPCs queued by this tick are not mistaken for DPCs left over from the last one.
            if (Options.TimerMode == TimerMode.PeriodicTick)
            {
                _ = Timers.ExpireTimers(now);
            }
        }
        finally
        {
            KernelThread.Irql = previous;
        }
    }

    /// <summary>KeInitializeTimer: a notification timer of this kernel, not set.</summary>
    public KernelTimer InitializeTimer(string? name = null) => new(this, name);

    /// <summary>KeInitializeTimerEx: a <see cref="TimerType.Notification"/> or <see cref="TimerType.Synchronization"/> timer of this kernel, not set.</summary>
    public KernelTimer InitializeTimerEx(TimerType type, string? name = null) => new(this, name, type);

    /// <summary>
    /// KeWaitForSingleObject on a timer: blocks the calling thread until the timer is signaled (true,
    /// STATUS_SUCCESS) or <paramref name="timeout"/> passes on the kernel clock (false, STATUS_TIMEOUT); null waits
    /// for ever. A satisfied wait on a synchronization timer resets it, so each expiry releases one waiter; a
    /// notification timer releases every waiter and stays signaled until it is set again. A zero timeout only
    /// tests the state and is allowed anywhere; a longer wait only from an ordinary thread at PASSIVE: in a DPC
    /// routine, at DISPATCH or above, or on the ISR thread it throws, where Windows would bug-check.
    /// </summary>
    public bool WaitForSingleObject(KernelTimer timer, TimerDueTime? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(timer);
        if (!ReferenceEquals(timer.Kernel, this))
        {
            throw new ArgumentException($"Timer {timer.Name} belongs to another kernel.", nameof(timer));
        }

        var now = Clock.NowNs;
        var deadline = timeout is { } t ? t.ResolveNs(now) : long.MaxValue;
        if (deadline <= now)
        {
            return timer.Signal.TryAcquire(); // a poll: never blocks, so legal at any IRQL
        }

        if (KernelThread.CurrentDrain is not null || KernelThread.Irql >= Irql.Dispatch || KernelThread.IsIsrThread)
        {
            var where = KernelThread.CurrentDrain is not null ? "in a DPC routine" : KernelThread.IsIsrThread ? "on the ISR thread" : $"at {KernelThread.Irql}";
            throw new InvalidOperationException($"IRQL_NOT_LESS_OR_EQUAL: WaitForSingleObject({timer.Name}) with a non-zero timeout {where}; only an ordinary thread at PASSIVE_LEVEL may wait (pass a zero timeout to test the state).");
        }

        return timer.Signal.Wait(Clock, deadline);
    }

    /// <summary>
    /// KeSetTimerEx: arms <paramref name="timer"/> to expire at <paramref name="dueTime"/> and then
    /// every <paramref name="periodNs"/> (0 = one-shot), queuing <paramref name="dpc"/> at each expiry.
    /// Returns true if the timer was already set (its old expiry is cancelled; a DPC already queued
    /// by it stays queued, as in Windows).
    /// </summary>
    public bool SetTimer(KernelTimer timer, TimerDueTime dueTime, long periodNs = 0, Dpc? dpc = null) => Timers.Set(timer, dueTime, periodNs, 0, dpc);

    /// <summary>
    /// KeSetCoalescableTimer: as <see cref="SetTimer"/>, but each expiry may be up to
    /// <paramref name="tolerableDelayNs"/> late, so expiries whose windows overlap share one hardware
    /// timer interrupt (<see cref="TimerMode.HighResolution"/>; a periodic tick coalesces anyway).
    /// </summary>
    public bool SetCoalescableTimer(KernelTimer timer, TimerDueTime dueTime, long periodNs, long tolerableDelayNs, Dpc? dpc = null) => Timers.Set(timer, dueTime, periodNs, tolerableDelayNs, dpc);

    /// <summary>
    /// KeCancelTimer: returns whether the timer was set. As in Windows, a run of its DPC that an expiry already
    /// queued still runs: <see cref="FlushQueuedDpcs"/> waits for it, <see cref="RemoveQueueDpc"/> removes it.
    /// </summary>
    public bool CancelTimer(KernelTimer timer) => Timers.Cancel(timer);

    /// <summary>
    /// Connects the clock interrupt: an ISR at CLOCK_LEVEL that calls <see cref="ClockTick"/> once per
    /// event (threshold adaptation, watchdog, and in <see cref="TimerMode.PeriodicTick"/> timer expiry).
    /// The source fires every <see cref="KernelOptions.ClockTickIntervalNs"/>.
    /// </summary>
    public Interrupt ConnectClockInterrupt(int vector, IInterruptSource source, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var clock = ConnectInterrupt(vector, static (_, ctx, ref _) =>
        {
            ((DpcKernel)ctx!).ClockTick();
            return true;
        }, this, source, Irql.Clock, name ?? "clock");
        _clockInterrupt = clock;
        SetClockDriven(true);
        return clock;
    }

    /// <summary>
    /// Whether a clock drives the kernel, so that a Low or Medium DPC queued on another core may wait for that
    /// core's next tick as in Windows. Without one nothing would ever drain it there, so the insert wakes the
    /// target instead (the one place DpcPi gives up Windows' deferral, for liveness).
    /// </summary>
    private void SetClockDriven(bool driven)
    {
        _clockDriven = driven;
        foreach (var p in _processors)
        {
            p.TickDrainsLeftovers = driven;
        }
    }

    /// <summary>
    /// Connects the high-resolution timer interrupt: an ISR at CLOCK_LEVEL that calls
    /// <see cref="TimerTable.ExpireTimers"/> with the ISR entry time. The source is a one-shot timer
    /// programmed at <see cref="TimerTable.NextHardwareExpiryNs"/>.
    /// </summary>
    public Interrupt ConnectTimerInterrupt(int vector, IInterruptSource source, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return ConnectInterrupt(vector, static (_, ctx, ref frame) =>
        {
            ((DpcKernel)ctx!).Timers.ExpireTimers(frame.IsrEntryNs);
            return true;
        }, this, source, Irql.Clock, name ?? "timer");
    }
}
