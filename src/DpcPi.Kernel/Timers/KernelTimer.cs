namespace DpcPi.Kernel;

/// <summary>
/// A timer object (KTIMER) with an optional DPC, and a dispatcher object threads can wait on
/// (<see cref="DpcKernel.WaitForSingleObject"/>). Created by <see cref="DpcKernel.InitializeTimer"/>
/// (KeInitializeTimer, a notification timer), <see cref="DpcKernel.InitializeTimerEx"/> or this constructor;
/// armed with <see cref="DpcKernel.SetTimer"/> / <see cref="DpcKernel.SetCoalescableTimer"/>, disarmed with
/// <see cref="DpcKernel.CancelTimer"/>. Its table state belongs to the kernel's <see cref="TimerTable"/>
/// and changes only under the table's lock; its signal state is the <see cref="TimerSignal"/>'s.
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
    internal long Expirations;
    internal long Missed;

    public KernelTimer(DpcKernel kernel, string? name = null, TimerType type = TimerType.Notification)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (!Enum.IsDefined(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "A timer is a Notification or a Synchronization timer.");
        }

        Kernel = kernel;
        Name = name ?? "timer";
        Type = type;
        Signal = new TimerSignal(type);
    }

    public string Name { get; }

    /// <summary>Notification (stays signaled until set again) or synchronization (a satisfied wait resets it).</summary>
    public TimerType Type { get; }

    public DpcKernel Kernel { get; }

    internal TimerSignal Signal { get; }

    /// <summary>Whether the timer is in the timer table (set and not yet expired, or periodic).</summary>
    public bool IsSet => Volatile.Read(ref Armed);

    /// <summary>KeReadStateTimer: signaled by an expiry; reset by the next set, and for a synchronization timer by the wait it satisfies.</summary>
    public bool IsSignaled => Signal.IsSignaled;

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
