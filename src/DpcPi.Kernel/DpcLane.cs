using System.Runtime.InteropServices;

namespace DpcPi.Kernel;

/// <summary>
/// One of a core's two DPC queues (normal or threaded), laid out by who writes what.
/// <list type="bullet">
/// <item>The inbox line: everything an inserting thread writes — a lock-free stack of the DPCs inserted
/// since the worker last looked, the insert and coalesce counters, the drain request and the worker's
/// sleeping flag — alone in one padded cache line. An insert from another core touches this line and
/// the DPC object and nothing else; it never takes a lock and never waits.</item>
/// <item>The ordered list (Windows' DPC list: High at the head, the rest in insert order), touched only
/// under the core's lock by the worker and by the rare callers that need the list itself (remove,
/// flush, hold, clock tick, statistics). Each of them first collects the inbox into the list, in
/// insert order, so the list is exactly the one a lock-per-insert queue would hold.</item>
/// <item>The worker's own counters, written by that worker alone (plain stores, no interlocked).</item>
/// </list>
/// The wait strategy sleeps on the request flag; <see cref="Request"/> pays for a futex wake only
/// when the worker is actually asleep (Dekker handshake on the request and sleeping flags).
/// </summary>
internal sealed class DpcLane : IDisposable
{
    private InboxLine _inbox;
    private PaddedFlag _highPending;
    private readonly DpcWaitStrategy _strategy;
    private readonly long _spinNs;
    private readonly ManualResetEventSlim _event = new(false, spinCount: 0);
    private readonly DpcLane? _yieldTo;
    private volatile bool _stopping;
    private long _taken;

    /// <summary>The ordered list. Only under <see cref="DpcProcessor.Lock"/>, after <see cref="CollectLocked"/>.</summary>
    public DpcList List;

    /// <summary>The deepest the list has been when collected (under the lock).</summary>
    public int HighWater;

    // Written only by this lane's worker (or the RunDpcs caller of a manual kernel).
    public bool RoutineActive;
    public Dpc? CurrentDpc;
    public long RoutineStartNs;
    public long DrainStartNs;
    public long Runs;
    public long TimeInDpcNs;
    public long MaxExecutionNs;
    public Dpc? MaxExecutionDpc;

    /// <param name="yieldTo">The lower-priority lane on the same core (the threaded lane for the normal one): while it
    /// has work, this lane's worker stops spinning and sleeps, or a busy-spinning FIFO worker would starve it.</param>
    public DpcLane(DpcWaitStrategy strategy, long spinNs, DpcLane? yieldTo = null)
    {
        _strategy = strategy;
        _spinNs = spinNs;
        _yieldTo = yieldTo;
    }

    /// <summary>Inserts accepted by this lane (the Windows DpcCount of one list).</summary>
    public long Inserted => Volatile.Read(ref _inbox.Inserted);

    /// <summary>Inserts that found the DPC already queued.</summary>
    public long Coalesced => Volatile.Read(ref _inbox.Coalesced);

    /// <summary>DPCs queued now, inbox included: inserted minus dequeued or removed. Lock-free; exact once inserts are quiet.</summary>
    public long Depth => Volatile.Read(ref _inbox.Inserted) - Volatile.Read(ref _taken);

    public bool IsRequested => Volatile.Read(ref _inbox.Requested) != 0;

    public bool IsStopping => _stopping;

    /// <summary>Counts an accepted insert; returns how many were accepted before it (the insert's cycle number).</summary>
    public long CountInsert() => Interlocked.Increment(ref _inbox.Inserted) - 1;

    public void CountCoalesced() => Interlocked.Increment(ref _inbox.Coalesced);

    /// <summary>
    /// Pushes a claimed DPC onto the inbox (lock-free; the DPC is in no list). A High DPC also raises a
    /// flag on a line of its own, so the worker — which collects the inbox only when its list runs dry —
    /// still runs it next, as Windows runs a High DPC from the head of the queue.
    /// </summary>
    public void Push(Dpc dpc, bool high)
    {
        var head = Volatile.Read(ref _inbox.Head);
        while (true)
        {
            dpc.InboxNext = head;
            var seen = Interlocked.CompareExchange(ref _inbox.Head, dpc, head);
            if (ReferenceEquals(seen, head))
            {
                if (high)
                {
                    Volatile.Write(ref _highPending.Value, 1);
                }

                return;
            }

            head = seen;
        }
    }

    /// <summary>
    /// Under the core's lock: moves the inbox into the list in insert order (High to the head, the rest
    /// to the tail), so the list is what it would be had every insert linked itself.
    /// </summary>
    public void CollectLocked()
    {
        if (Volatile.Read(ref _inbox.Head) is null)
        {
            return;
        }

        // The inbox is a stack (newest first): reverse it, then link oldest first.
        if (Volatile.Read(ref _highPending.Value) != 0)
        {
            Volatile.Write(ref _highPending.Value, 0); // before the take: a High pushed after it raises the flag again
        }

        var stack = Interlocked.Exchange(ref _inbox.Head, null);
        Dpc? oldest = null;
        while (stack is not null)
        {
            // The first touch of a DPC another core just wrote: an exchange fetches its line exclusive in
            // one transfer (a read, then the writes below, would cost a second round trip).
            var next = Interlocked.Exchange(ref stack.InboxNext, oldest);
            oldest = stack;
            stack = next;
        }

        while (oldest is not null)
        {
            var next = oldest.InboxNext;
            oldest.InboxNext = null;
            if (oldest.QueuedImportance == DpcImportance.High)
            {
                List.AddFirst(oldest);
            }
            else
            {
                List.AddLast(oldest);
            }

            oldest = next;
        }

        if (List.Count > HighWater)
        {
            HighWater = List.Count;
        }
    }

    /// <summary>
    /// Under the core's lock, on the worker's dequeue: collects the inbox only when the list is empty or
    /// a High DPC is waiting in it. Between those, the inbox fills without the worker touching its line,
    /// so a burst costs the inserting core one transfer per batch, not one per DPC; the order run is the
    /// same, since everything in the inbox was inserted after everything in the list.
    /// </summary>
    public void CollectForDequeueLocked()
    {
        if (List.Count == 0)
        {
            CollectLocked();
        }
        else if (Volatile.Read(ref _highPending.Value) != 0)
        {
            CollectLocked();
        }
    }

    /// <summary>Under the core's lock: the head of the list is leaving it (dequeued to run, or removed).</summary>
    public Dpc? RemoveFirstLocked()
    {
        var dpc = List.RemoveFirst();
        if (dpc is not null)
        {
            Volatile.Write(ref _taken, _taken + 1);
        }

        return dpc;
    }

    /// <summary>Under the core's lock: unlinks a DPC that is in the list (after <see cref="CollectLocked"/>).</summary>
    public void RemoveLocked(Dpc dpc)
    {
        List.Remove(dpc);
        Volatile.Write(ref _taken, _taken + 1);
    }

    /// <summary>Asks the worker to drain (the "DPC interrupt"). Returns false when a request was already pending. Never blocks.</summary>
    public bool Request()
    {
        // Read first: while the worker is busy the flag stays set and inserts leave the line shared.
        if (Volatile.Read(ref _inbox.Requested) != 0 || Interlocked.Exchange(ref _inbox.Requested, 1) != 0)
        {
            return false;
        }

        if (Volatile.Read(ref _inbox.Sleeping) != 0)
        {
            _event.Set();
        }

        return true;
    }

    /// <summary>Clears a pending request (manual kernels drain on the caller's thread).</summary>
    public void ConsumeRequest() => Interlocked.Exchange(ref _inbox.Requested, 0);

    public void Stop()
    {
        _stopping = true;
        Volatile.Write(ref _inbox.Requested, 1);
        _event.Set();
    }

    /// <summary>Waits until a drain is requested (and consumes the request) or the worker is stopped.</summary>
    public void Wait()
    {
        if (Interlocked.Exchange(ref _inbox.Requested, 0) != 0)
        {
            return;
        }

        if (_strategy != DpcWaitStrategy.Blocking)
        {
            var until = _strategy == DpcWaitStrategy.BusySpin ? long.MaxValue : Platform.MonotonicClock.NowNs + _spinNs;
            var spins = 0;
            while (true)
            {
                if (Volatile.Read(ref _inbox.Requested) != 0 && Interlocked.Exchange(ref _inbox.Requested, 0) != 0)
                {
                    return;
                }

                if (_stopping)
                {
                    return;
                }

                Thread.SpinWait(1); // one pause: check the flag as often as the raw floor does
                if ((++spins & 255) == 0 && (Platform.MonotonicClock.NowNs >= until || (_yieldTo?.IsRequested ?? false)))
                {
                    break;
                }
            }
        }

        while (!_stopping)
        {
            Interlocked.Exchange(ref _inbox.Sleeping, 1);
            if (Interlocked.Exchange(ref _inbox.Requested, 0) != 0)
            {
                Volatile.Write(ref _inbox.Sleeping, 0);
                return;
            }

            _event.Wait();
            _event.Reset();
            Volatile.Write(ref _inbox.Sleeping, 0);
            if (Interlocked.Exchange(ref _inbox.Requested, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>Records one finished run in the worker-owned counters (single writer).</summary>
    public void CountRun(Dpc dpc, long durationNs)
    {
        Volatile.Write(ref Runs, Runs + 1);
        Volatile.Write(ref TimeInDpcNs, TimeInDpcNs + durationNs);
        if (durationNs > MaxExecutionNs)
        {
            Volatile.Write(ref MaxExecutionDpc, dpc);
            Volatile.Write(ref MaxExecutionNs, durationNs);
        }
    }

    public void Dispose() => _event.Dispose();

    [StructLayout(LayoutKind.Explicit, Size = 132)]
    private struct PaddedFlag
    {
        [FieldOffset(64)]
        public int Value;
    }

    /// <summary>
    /// What inserting threads write, alone in a cache line: 64 bytes of padding on each side keep the
    /// worker's own fields (and whatever the allocator put next to this object) off it.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 160)]
    private struct InboxLine
    {
        [FieldOffset(64)]
        public Dpc? Head;

        [FieldOffset(72)]
        public long Inserted;

        [FieldOffset(80)]
        public long Coalesced;

        [FieldOffset(88)]
        public int Requested;

        [FieldOffset(92)]
        public int Sleeping;
    }
}
