namespace DpcPi.Kernel;

/// <summary>Timer objects and the clock interrupt (KeInitializeTimer, KeSetTimerEx, KeSetCoalescableTimer, KeCancelTimer).</summary>
public sealed partial class DpcKernel
{
    /// <summary>
    /// The clock interrupt's kernel work (KeUpdateRunTime for every core): drains left-over DPCs, adapts
    /// the drain thresholds, updates request rates, checks the watchdog; in <see cref="TimerMode.PeriodicTick"/>
    /// it then expires every timer due by now. Called by the tick ISR (<see cref="ConnectClockInterrupt"/>).
    /// </summary>
    public void ClockTick()
    {
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

    /// <summary>KeInitializeTimer: a timer of this kernel, not set.</summary>
    public KernelTimer InitializeTimer(string? name = null) => new(this, name);

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
    /// KeCancelTimer followed by KeRemoveQueueDpc on the timer's DPC: returns whether the timer was
    /// set. A run of its DPC still queued (from this timer or anyone else) is removed too; a run
    /// already executing is not stopped.
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
        return ConnectInterrupt(vector, static (_, ctx, ref _) =>
        {
            ((DpcKernel)ctx!).ClockTick();
            return true;
        }, this, source, Irql.Clock, name ?? "clock");
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
