namespace DpcPi.Kernel;

/// <summary>
/// A timer object (KTIMER, notification type) with an optional DPC. Created by
/// <see cref="DpcKernel.InitializeTimer"/> (KeInitializeTimer) or this constructor; armed with
/// <see cref="DpcKernel.SetTimer"/> / <see cref="DpcKernel.SetCoalescableTimer"/>, disarmed with
/// <see cref="DpcKernel.CancelTimer"/>. Its state belongs to the kernel's <see cref="TimerTable"/>
/// and changes only under the table's lock.
/// </summary>
public sealed class KernelTimer
{
    // Table state: only TimerTable touches these, under its lock.
    internal int DueIndex = -1;
    internal int DeadlineIndex = -1;
    internal long DueNs;
    internal long DeadlineNs;
    internal long Sequence;
    internal long Period;
    internal long Tolerance;
    internal Dpc? TimerDpc;
    internal bool Armed;
    internal bool Signaled;
    internal long Expirations;
    internal long Missed;

    public KernelTimer(DpcKernel kernel, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        Kernel = kernel;
        Name = name ?? "timer";
    }

    public string Name { get; }

    public DpcKernel Kernel { get; }

    /// <summary>Whether the timer is in the timer table (set and not yet expired, or periodic).</summary>
    public bool IsSet => Volatile.Read(ref Armed);

    /// <summary>KeReadStateTimer: signaled by an expiry, reset by the next set.</summary>
    public bool IsSignaled => Volatile.Read(ref Signaled);

    /// <summary>The programmed expiry (absolute kernel-clock ns): the pending one while set, else the last.</summary>
    public long DueTimeNs => Volatile.Read(ref DueNs);

    /// <summary>0 for a one-shot timer.</summary>
    public long PeriodNs => Volatile.Read(ref Period);

    /// <summary>How late an expiry may be so it can share a hardware interrupt (0 = not coalescable).</summary>
    public long TolerableDelayNs => Volatile.Read(ref Tolerance);

    /// <summary>Expirations since the timer was created (passed to its DPC as SystemArgument2).</summary>
    public long ExpirationCount => Volatile.Read(ref Expirations);

    /// <summary>Periods of a periodic timer skipped because an expiry pass came more than a period late.</summary>
    public long MissedPeriods => Volatile.Read(ref Missed);

    /// <summary>The DPC queued at each expiry, if any.</summary>
    public Dpc? Dpc => Volatile.Read(ref TimerDpc);

    public override string ToString() => Name;
}
