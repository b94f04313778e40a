namespace DpcPi.Kernel;

/// <summary>
/// The kernel's timer table: every set <see cref="KernelTimer"/> in two preallocated binary min-heaps,
/// one ordered by due time (what to expire) and one by latest tolerable expiry, due + tolerance (when
/// the hardware must fire). Capacity grows only when a timer is set; an expiry pass allocates nothing.
/// One short lock guards the heaps; DPCs of expired timers are queued under it (O(1) each), so a
/// cancel can never race with an expiry that is about to queue the DPC.
/// </summary>
/// <remarks>
/// The interrupt source's contract (the timerfd in the ISR thread's epoll set):
/// <list type="number">
/// <item>In <see cref="TimerMode.HighResolution"/>, program the one-shot timer at
/// <see cref="NextHardwareExpiryNs"/> (disarm it when that is <see cref="long.MaxValue"/>), and
/// reprogram whenever <see cref="HardwareExpiryChanged"/> fires or <see cref="ProgramVersion"/> moves.</item>
/// <item>When it fires, call <see cref="ExpireTimers"/> from the ISR (connect it with
/// <see cref="DpcKernel.ConnectTimerInterrupt"/>, which does exactly that at CLOCK_LEVEL).</item>
/// <item>In <see cref="TimerMode.PeriodicTick"/>, fire a periodic tick every
/// <see cref="TickIntervalNs"/> connected with <see cref="DpcKernel.ConnectClockInterrupt"/>;
/// <see cref="DpcKernel.ClockTick"/> expires timers itself.</item>
/// </list>
/// </remarks>
public sealed class TimerTable
{
    private const int InitialCapacity = 16;
    private readonly DpcKernel _kernel;
    private readonly Lock _lock = new();
    private KernelTimer?[] _byDue = new KernelTimer?[InitialCapacity];
    private KernelTimer?[] _byDeadline = new KernelTimer?[InitialCapacity];
    private int _count;
    private long _sequence;
    private long _next = long.MaxValue;
    private long _version;
    private long _hardwareInterrupts;
    private long _emptyPasses;
    private long _expirations;

    internal TimerTable(DpcKernel kernel)
    {
        _kernel = kernel;
        Mode = kernel.Options.TimerMode;
        TickIntervalNs = kernel.Options.ClockTickIntervalNs;
    }

    public TimerMode Mode { get; }

    /// <summary>The clock interrupt's period (what the tick source should program).</summary>
    public long TickIntervalNs { get; }

    /// <summary>Timers currently set.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// When the hardware timer must fire next (absolute kernel-clock ns), <see cref="long.MaxValue"/>
    /// when no timer is set: the minimum over set timers of due + tolerable delay. An interrupt at that
    /// instant satisfies every timer whose window [due, due + tolerance] contains it, and
    /// <see cref="ExpireTimers"/> then expires all of them at once.
    /// </summary>
    public long NextHardwareExpiryNs => Volatile.Read(ref _next);

    /// <summary>Incremented every time <see cref="NextHardwareExpiryNs"/> changes (poll instead of the callback).</summary>
    public long ProgramVersion => Volatile.Read(ref _version);

    /// <summary>
    /// Called with the new <see cref="NextHardwareExpiryNs"/> whenever it changes, outside the table's
    /// lock, on the thread that changed it (a set or cancel at PASSIVE/DISPATCH, or the expiry pass on
    /// the ISR thread). Must not block or allocate; typically a timerfd_settime.
    /// </summary>
    public Action<long>? HardwareExpiryChanged { get; set; }

    /// <summary>Expiry passes that expired at least one timer: the timer interrupts that did work.</summary>
    public long HardwareTimerInterrupts => Volatile.Read(ref _hardwareInterrupts);

    /// <summary>Expiry passes with nothing due (every tick without a timer; a cancelled or moved expiry).</summary>
    public long EmptyExpiryPasses => Volatile.Read(ref _emptyPasses);

    /// <summary>Timer expirations (one per timer per expiry).</summary>
    public long TimerExpirations => Volatile.Read(ref _expirations);

    /// <summary>
    /// Expires every set timer with due time &lt;= <paramref name="nowNs"/>: signals it (waking its waiters), re-arms it if
    /// periodic (next due = previous due + period, skipping whole periods already past), and queues its
    /// DPC with the programmed expiry as event time, SystemArgument1 = expiry (ns) and
    /// SystemArgument2 = expiration count. Called on the ISR thread at CLOCK_LEVEL (raises to it if
    /// called lower). A DPC without a target processor goes to the core that runs the pass (the ISR
    /// processor when the caller is not a kernel thread). Returns the number of timers expired.
    /// Allocates nothing.
    /// </summary>
    public int ExpireTimers(long nowNs)
    {
        var previousIrql = KernelThread.Irql;
        var previousCpu = KernelThread.Cpu;
        if (previousIrql < Irql.Clock)
        {
            KernelThread.Irql = Irql.Clock;
        }

        if (previousCpu < 0)
        {
            KernelThread.Cpu = _kernel.IsrProcessor;
        }

        var expired = 0;
        bool changed;
        long next;
        try
        {
            using (_lock.EnterScope())
            {
                while (_count > 0 && _byDue[0]!.DueNs <= nowNs)
                {
                    var timer = _byDue[0]!;
                    var due = timer.DueNs;
                    RemoveLocked(timer);
                    var count = ++timer.Expirations;
                    timer.Signal.Signal(); // waiters woken (a futex wake, only when there are any); never blocks
                    expired++;
                    if (timer.Period > 0)
                    {
                        var nextDue = TimerDueTime.SaturatingAdd(due, timer.Period);
                        if (nextDue <= nowNs)
                        {
                            var missed = (nowNs - due) / timer.Period;
                            timer.Missed += missed;
                            nextDue = TimerDueTime.SaturatingAdd(due, (missed + 1) * timer.Period);
                        }

                        timer.DueNs = nextDue;
                        timer.DeadlineNs = TimerDueTime.SaturatingAdd(nextDue, timer.Tolerance);
                        timer.Sequence = ++_sequence;
                        AddLocked(timer);
                    }
                    else
                    {
                        timer.Armed = false;
                    }

                    if (timer.TimerDpc is { } dpc)
                    {
                        _kernel.InsertQueueDpcAt(dpc, due, count, (nint)due, (nint)count);
                    }
                }

                if (expired > 0)
                {
                    _hardwareInterrupts++;
                    _expirations += expired;
                }
                else
                {
                    _emptyPasses++;
                }

                changed = UpdateNextLocked(out next);
            }
        }
        finally
        {
            KernelThread.Irql = previousIrql;
            KernelThread.Cpu = previousCpu;
        }

        if (changed)
        {
            HardwareExpiryChanged?.Invoke(next);
        }

        return expired;
    }

    /// <summary>KeSetCoalescableTimer; returns whether the timer was already set (its old expiry is cancelled).</summary>
    internal bool Set(KernelTimer timer, TimerDueTime dueTime, long periodNs, long tolerableDelayNs, Dpc? dpc)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentOutOfRangeException.ThrowIfNegative(periodNs);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerableDelayNs);
        if (!ReferenceEquals(timer.Kernel, _kernel))
        {
            throw new ArgumentException($"Timer {timer.Name} belongs to another kernel.", nameof(timer));
        }

        if (dpc is not null && !ReferenceEquals(dpc.Kernel, _kernel))
        {
            throw new ArgumentException($"DPC {dpc.Name} belongs to another kernel.", nameof(dpc));
        }

        bool wasSet, changed;
        long next;
        using (_lock.EnterScope())
        {
            wasSet = timer.Armed;
            if (wasSet)
            {
                RemoveLocked(timer);
            }
            else if (_count == _byDue.Length)
            {
                Array.Resize(ref _byDue, _byDue.Length * 2);
                Array.Resize(ref _byDeadline, _byDeadline.Length * 2);
            }

            var due = dueTime.ResolveNs(_kernel.Clock.NowNs);
            Volatile.Write(ref timer.DueNs, due);
            timer.DeadlineNs = TimerDueTime.SaturatingAdd(due, tolerableDelayNs);
            timer.Period = periodNs;
            timer.Tolerance = tolerableDelayNs;
            timer.TimerDpc = dpc;
            timer.Signal.Reset();
            timer.Sequence = ++_sequence;
            AddLocked(timer);
            Volatile.Write(ref timer.Armed, true);
            changed = UpdateNextLocked(out next);
        }

        if (changed)
        {
            HardwareExpiryChanged?.Invoke(next);
        }

        return wasSet;
    }

    /// <summary>
    /// KeCancelTimer: takes the timer out of the table; returns whether it was set. As in Windows, a run of its DPC
    /// already queued by an expiry is left alone and still runs (<see cref="DpcKernel.FlushQueuedDpcs"/> waits for
    /// it; <see cref="DpcKernel.RemoveQueueDpc"/> removes it), and the signal state does not change.
    /// </summary>
    internal bool Cancel(KernelTimer timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        bool wasSet, changed;
        long next;
        using (_lock.EnterScope())
        {
            wasSet = timer.Armed;
            if (wasSet)
            {
                RemoveLocked(timer);
                Volatile.Write(ref timer.Armed, false);
            }

            changed = UpdateNextLocked(out next);
        }

        if (changed)
        {
            HardwareExpiryChanged?.Invoke(next);
        }

        return wasSet;
    }

    private bool UpdateNextLocked(out long next)
    {
        next = _count > 0 ? _byDeadline[0]!.DeadlineNs : long.MaxValue;
        if (next == _next)
        {
            return false;
        }

        Volatile.Write(ref _next, next);
        Volatile.Write(ref _version, _version + 1);
        return true;
    }

    private void AddLocked(KernelTimer timer)
    {
        var i = _count;
        _byDue[i] = timer;
        timer.DueIndex = i;
        _byDeadline[i] = timer;
        timer.DeadlineIndex = i;
        Volatile.Write(ref _count, i + 1);
        SiftUp(_byDue, i, byDeadline: false);
        SiftUp(_byDeadline, i, byDeadline: true);
    }

    private void RemoveLocked(KernelTimer timer)
    {
        var last = _count - 1;
        RemoveAt(_byDue, timer.DueIndex, last, byDeadline: false);
        RemoveAt(_byDeadline, timer.DeadlineIndex, last, byDeadline: true);
        timer.DueIndex = -1;
        timer.DeadlineIndex = -1;
        Volatile.Write(ref _count, last);
    }

    private static void RemoveAt(KernelTimer?[] heap, int index, int last, bool byDeadline)
    {
        var moved = heap[last]!;
        heap[last] = null;
        if (index == last)
        {
            return;
        }

        heap[index] = moved;
        Index(moved, byDeadline) = index;
        SiftDown(heap, index, last, byDeadline);
        SiftUp(heap, Index(moved, byDeadline), byDeadline);
    }

    private static void SiftUp(KernelTimer?[] heap, int index, bool byDeadline)
    {
        var timer = heap[index]!;
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            var p = heap[parent]!;
            if (!Less(timer, p, byDeadline))
            {
                break;
            }

            heap[index] = p;
            Index(p, byDeadline) = index;
            index = parent;
        }

        heap[index] = timer;
        Index(timer, byDeadline) = index;
    }

    private static void SiftDown(KernelTimer?[] heap, int index, int count, bool byDeadline)
    {
        var timer = heap[index]!;
        while (true)
        {
            var child = (2 * index) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && Less(heap[child + 1]!, heap[child]!, byDeadline))
            {
                child++;
            }

            var c = heap[child]!;
            if (!Less(c, timer, byDeadline))
            {
                break;
            }

            heap[index] = c;
            Index(c, byDeadline) = index;
            index = child;
        }

        heap[index] = timer;
        Index(timer, byDeadline) = index;
    }

    private static bool Less(KernelTimer a, KernelTimer b, bool byDeadline)
    {
        var ka = byDeadline ? a.DeadlineNs : a.DueNs;
        var kb = byDeadline ? b.DeadlineNs : b.DueNs;
        return ka < kb || (ka == kb && a.Sequence < b.Sequence);
    }

    private static ref int Index(KernelTimer timer, bool byDeadline) => ref byDeadline ? ref timer.DeadlineIndex : ref timer.DueIndex;
}
