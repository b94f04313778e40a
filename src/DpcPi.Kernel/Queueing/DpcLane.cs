using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DpcPi.Kernel;

/// <summary>
/// One of a core's two DPC queues (normal or threaded), laid out so that an insert from another core
/// and the worker that runs it share as few cache lines as the hand-off allows.
/// <list type="bullet">
/// <item>The ring: inserts claim a slot (a CAS on the producers' own line) and publish the DPC in it with
/// the insert's record (arguments and stamps); the worker polls the next slot and never writes the ring or
/// any line the inserters write. An insert takes no lock and never waits. If the ring is full (more DPCs
/// queued on one lane than it holds), inserts go to a lock-free overflow stack until the worker has taken it.</item>
/// <item>The ordered list (Windows' DPC list: High at the head, the rest in insert order), touched only
/// under the core's lock by the worker and by the rare callers that need the list itself (remove,
/// flush, hold, clock tick, statistics). Each of them first collects the ring into the list, in insert
/// order, so the list is exactly the one a lock-per-insert queue would hold. While the list is empty and
/// no High DPC or overflow waits, the worker takes the oldest slot directly: the DPC it would have put at
/// the head of the list, without linking it or reading its queue lines.</item>
/// <item>The worker's own counters and drain state, written by that worker alone (plain stores).</item>
/// </list>
/// Waking follows Windows: a worker that is spinning polls its queue, as an idle processor's idle loop
/// retires whatever is queued; a sleeping worker is woken (a futex) only when the importance rules ask
/// for the drain, or later by the clock tick. The sleep handshake is Dekker's: the worker says it
/// sleeps and then looks once more; an insert publishes and then looks whether the worker sleeps.
/// </summary>
internal sealed class DpcLane
{
    private const int RingSize = 1024;
    private const int RingMask = RingSize - 1;

    private readonly SharedLine _shared;
    private ProducerLine _producer;
    private ConsumerLine _consumer;
    private PaddedInt _sleeping;
    private PaddedInt _requested;
    private PaddedInt _attention;
    private PaddedInt _drainer; // 1 while a thread drains this lane: its worker, or the ISR thread (RunLocalDpcsOnIsrThread)
    private readonly DpcWaitStrategy _strategy;
    private readonly long _spinNs;
    private readonly DpcLane? _yieldTo;
    private volatile bool _stopping;
    private long _taken;
    private int _listHighWater; // under the lock
    // Worker-owned: the position of the last slot-taken run, when each slot-taken position was taken (its run's
    // start), the oldest position not known to have been taken before the latest run's insert, the deepest ring seen.
    private long _takenFrom;
    private readonly long[] _takenNs = new long[RingSize];
    private long _depthFrom;
    private long _lastDepthNoted = -1;
    private int _ringHighWater;

    /// <summary>The ordered list. Only under <see cref="DpcProcessor.Lock"/>, after <see cref="CollectLocked"/>.</summary>
    public DpcList List;

    /// <summary>The deepest the queue has been: the list when collected, or the ring when a DPC that a run took from its slot was inserted.</summary>
    public int HighWater => Math.Max(_listHighWater, Volatile.Read(ref _ringHighWater));

    // Written only by this lane's drainer: its worker, the RunDpcs caller of a manual kernel, or the ISR thread
    // when it runs its own core's DPCs (KernelOptions.RunLocalDpcsOnIsrThread), never two at once (TryOwnDrain).
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
        _shared.Ring = new Slot[RingSize];
        _shared.Signal = new WakeSignal();
        _sleeping.Value = 1; // no worker polls until one starts (manual kernels never have one)
    }

    /// <summary>Inserts accepted by this lane (the Windows DpcCount of one list).</summary>
    public long Inserted => Volatile.Read(ref _producer.Tail) + Volatile.Read(ref _producer.OverflowInserted);

    /// <summary>Inserts that found the DPC already queued.</summary>
    public long Coalesced => Volatile.Read(ref _producer.Coalesced);

    /// <summary>DPCs queued now, ring included: inserted minus dequeued or removed. Lock-free; exact once inserts are quiet.</summary>
    public long Depth => Inserted - Volatile.Read(ref _taken);

    /// <summary>Whether a drain was requested and not yet taken up (a spinning worker needs none: it polls).</summary>
    public bool IsRequested => Volatile.Read(ref _requested.Value) != 0;

    /// <summary>Whether the worker is asleep (or there is none): only a request wakes it.</summary>
    public bool IsSleeping => Volatile.Read(ref _sleeping.Value) != 0;

    public bool IsStopping => _stopping;

    /// <summary>Work the worker would find: a published slot, DPCs in the overflow, or a request.</summary>
    public bool HasWork => HasQueuedWork() || Volatile.Read(ref _requested.Value) != 0;

    public void CountCoalesced() => Interlocked.Increment(ref _producer.Coalesced);

    /// <summary>
    /// Publishes a claimed DPC with its insert's record (lock-free; the DPC is in no list). A High DPC also
    /// raises the attention flag, so the worker — which collects only when its list runs dry — still runs
    /// it next, as Windows runs a High DPC from the head of the queue. The slot claim also counts the insert:
    /// with <paramref name="countIsCycle"/> the record's cycle becomes the lane's insert count before it.
    /// </summary>
    public void Push(Dpc dpc, bool high, ref InsertRecord record, bool countIsCycle)
    {
        if (Volatile.Read(ref _producer.Overflow) is not null || !TryClaim(out var ticket))
        {
            // Ring full: counted apart (an overflow insert's count can repeat a racing ring insert's; it is a label).
            var overflowed = Interlocked.Increment(ref _producer.OverflowInserted) - 1;
            if (countIsCycle)
            {
                record.Cycle = Volatile.Read(ref _producer.Tail) + overflowed;
            }

            dpc.Queue.Record = record;
            PushOverflow(dpc);
            Volatile.Write(ref _attention.Value, 1);
            return;
        }

        Publish(ticket, dpc, high, ref record, countIsCycle);
    }

    /// <summary>
    /// After a push the importance rules asked to drain: wakes the worker if it sleeps (a spinning one
    /// polls and needs nothing). The fence orders the publish before the look at the sleeping flag.
    /// </summary>
    public void WakeIfSleeping()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping.Value) != 0)
        {
            Request();
        }
    }

    /// <summary>
    /// Under the core's lock, on the worker's dequeue: collects only when the list is empty or something
    /// needs attention (a High DPC, the overflow). Between those the ring fills without the worker reading
    /// the slots being written, and the order run is the same, since everything in the ring was inserted
    /// after everything in the list.
    /// </summary>
    public void CollectForDequeueLocked()
    {
        if (List.Count == 0 || Volatile.Read(ref _attention.Value) != 0)
        {
            CollectLocked(forWorker: true);
        }
    }

    /// <summary>
    /// Under the core's lock: moves the ring (then the overflow) into the list in insert order (High to the
    /// head, the rest to the tail), so the list is what it would be had every insert linked itself.
    /// </summary>
    /// <param name="forWorker">False for the other collectors (remove, tick, statistics...): DPCs they move into the
    /// list raise the attention flag, so a polling worker, which looks at the ring and that flag, still sees them.</param>
    public void CollectLocked(bool forWorker = false)
    {
        var before = List.Count;
        var attention = Volatile.Read(ref _attention.Value) != 0;
        if (attention)
        {
            Volatile.Write(ref _attention.Value, 0); // before the take: a push after it raises the flag again
            Interlocked.MemoryBarrier();
        }

        var head = _consumer.Head;
        while (true)
        {
            if (!IsPublished(head))
            {
                break; // not published yet (or a claimed slot still being filled: its inserter wakes us after)
            }

            ref var slot = ref _shared.Ring![head & RingMask];
            var dpc = slot.Dpc!;
            dpc.Queue.Record = slot.Record;
            Link(dpc);
            head++;
        }

        Volatile.Write(ref _consumer.Head, head);
        // The overflow is on the inserters' line: looked at only when an overflowing insert raised attention.
        if (attention && Volatile.Read(ref _producer.Overflow) is not null)
        {
            // A stack (newest first): reverse it, then link oldest first.
            var stack = Interlocked.Exchange(ref _producer.Overflow, null);
            Dpc? oldest = null;
            while (stack is not null)
            {
                var next = stack.Queue.InboxNext;
                stack.Queue.InboxNext = oldest;
                oldest = stack;
                stack = next;
            }

            while (oldest is not null)
            {
                var next = oldest.Queue.InboxNext;
                oldest.Queue.InboxNext = null;
                Link(oldest);
                oldest = next;
            }
        }

        if (List.Count > _listHighWater)
        {
            _listHighWater = List.Count;
        }

        if (!forWorker && List.Count > before)
        {
            Volatile.Write(ref _attention.Value, 1);
        }
    }

    /// <summary>
    /// Under the core's lock, the worker's fast path: when its list is empty and nothing needs attention, the
    /// oldest published slot is the DPC a collect would put at the head of the list, so it is taken straight
    /// from the slot with its record. The DPC never enters the list and the worker never reads its queue
    /// lines, which the inserting core has just written. False: use the list.
    /// </summary>
    public bool TryTakeSlotLocked(out Dpc dpc, out InsertRecord record)
    {
        var head = _consumer.Head;
        if (List.Count != 0 || !IsPublished(head) || Volatile.Read(ref _attention.Value) != 0)
        {
            dpc = null!;
            record = default;
            return false;
        }

        ref var slot = ref _shared.Ring![head & RingMask];
        dpc = slot.Dpc!;
        record = slot.Record;
        Volatile.Write(ref _consumer.Head, head + 1);
        Volatile.Write(ref _taken, _taken + 1);
        _takenFrom = head;
        return true;
    }

    /// <summary>
    /// After the routine of a DPC taken from a slot (off the latency path; worker only): the depth of the ring
    /// the moment that DPC was inserted, for the high-water mark. The positions from the oldest one not yet
    /// taken when it was stamped queued (<paramref name="queuedNs"/>) up to its own were all queued then, and
    /// the worker knows when it took each of them, so the depth comes from its own history and never from the
    /// ring: reading the slot past the newest published one would fetch, every run, the line the inserting core
    /// writes next. The oldest-not-taken position only moves forward, so each run costs one or two reads of
    /// this worker's own array. A take stamped at the same nanosecond as the insert counts as after it; a run
    /// of slots collected into the list in between (which have no take stamps here) restarts the history,
    /// and the list's own high-water mark covers them.
    /// </summary>
    public void NoteRingDepth(long queuedNs, long startNs)
    {
        var position = _takenFrom;
        var oldest = _lastDepthNoted == position - 1 ? Math.Max(_depthFrom, position - RingSize + 1) : position;
        while (oldest < position && _takenNs[oldest & RingMask] < queuedNs)
        {
            oldest++;
        }

        _takenNs[position & RingMask] = startNs;
        _lastDepthNoted = position;
        _depthFrom = oldest;
        var depth = (int)(position - oldest + 1);
        if (depth > _ringHighWater)
        {
            Volatile.Write(ref _ringHighWater, depth);
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

    /// <summary>Asks the worker to drain (the "DPC interrupt"), waking it if it sleeps. Returns false when a request was already pending. Never blocks.</summary>
    public bool Request()
    {
        // Read first: while a request is pending the line stays shared.
        if (Volatile.Read(ref _requested.Value) != 0 || Interlocked.Exchange(ref _requested.Value, 1) != 0)
        {
            return false;
        }

        if (Volatile.Read(ref _sleeping.Value) != 0)
        {
            _shared.Signal!.Set();
        }

        return true;
    }

    /// <summary>Becomes this lane's only drainer; false when another thread drains it now. Never waits.</summary>
    public bool TryOwnDrain() => Volatile.Read(ref _drainer.Value) == 0 && Interlocked.CompareExchange(ref _drainer.Value, 1, 0) == 0;

    /// <summary>The worker's way in: waits out the other drainer (the ISR thread, which never holds it for long and never blocks).</summary>
    public void OwnDrain()
    {
        var spin = new SpinWait();
        while (!TryOwnDrain())
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void ReleaseDrain() => Volatile.Write(ref _drainer.Value, 0);

    /// <summary>Clears a pending request (manual kernels drain on the caller's thread).</summary>
    public void ConsumeRequest() => Interlocked.Exchange(ref _requested.Value, 0);

    /// <summary>Called once by the worker thread before its first wait: from now on it polls.</summary>
    public void WorkerStarted() => Volatile.Write(ref _sleeping.Value, 0);

    public void Stop()
    {
        _stopping = true;
        Volatile.Write(ref _requested.Value, 1);
        _shared.Signal!.Set();
    }

    /// <summary>Waits until there is work (a published DPC, the overflow, a request) or the worker is stopped; consumes a request.</summary>
    public void Wait()
    {
        if (TakeWork())
        {
            return;
        }

        if (_strategy != DpcWaitStrategy.Blocking)
        {
            var until = _strategy == DpcWaitStrategy.BusySpin ? long.MaxValue : Platform.MonotonicClock.NowNs + _spinNs;
            var spins = 0;
            while (!_stopping)
            {
                if (TakeWork())
                {
                    return;
                }

                Thread.SpinWait(1); // one pause: look as often as the raw floor does
                if ((++spins & 255) == 0 && (Platform.MonotonicClock.NowNs >= until || (_yieldTo?.HasWork ?? false)))
                {
                    break;
                }
            }
        }

        while (!_stopping)
        {
            Volatile.Write(ref _sleeping.Value, 1);
            Interlocked.MemoryBarrier();
            if (TakeWork())
            {
                Volatile.Write(ref _sleeping.Value, 0);
                return;
            }

            _shared.Signal!.Wait();
            _shared.Signal!.Reset();
            Volatile.Write(ref _sleeping.Value, 0);
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

    /// <summary>
    /// Whether the worker has something to do. A pending request (how a list left non-empty by a hold or a
    /// stopped drain is answered) is consumed here: the drain that follows answers it.
    /// </summary>
    private bool TakeWork() =>
        HasQueuedWork() || (Volatile.Read(ref _requested.Value) != 0 && Interlocked.Exchange(ref _requested.Value, 0) != 0);

    /// <summary>A published slot at the head of the ring, or DPCs (overflow, collected by someone else) flagged for attention.</summary>
    private bool HasQueuedWork()
    {
        var head = Volatile.Read(ref _consumer.Head);
        return IsPublished(head) || Volatile.Read(ref _attention.Value) != 0;
    }

    /// <summary>Whether the slot of ring position <paramref name="index"/> holds that position's insert, complete (its sequence is index + 1).</summary>
    private bool IsPublished(long index) => Volatile.Read(ref _shared.Ring![index & RingMask].Sequence) == index + 1;

    /// <summary>Claims the next ring slot (its position in <paramref name="ticket"/>); false when the ring is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryClaim(out long ticket)
    {
        while (true)
        {
            var tail = Volatile.Read(ref _producer.Tail);
            if (tail - Volatile.Read(ref _producer.CachedHead) >= RingSize)
            {
                var head = Volatile.Read(ref _consumer.Head);
                Volatile.Write(ref _producer.CachedHead, head); // a hint shared by inserters; a stale one only costs a re-read
                if (tail - head >= RingSize)
                {
                    ticket = 0;
                    return false;
                }
            }

            if (Interlocked.CompareExchange(ref _producer.Tail, tail + 1, tail) == tail)
            {
                ticket = tail;
                return true;
            }
        }
    }

    /// <summary>
    /// Fills the claimed slot, publishes it, and raises the attention flag for a High DPC (after the publish:
    /// a collect clears the flag before it takes, so a flag raised before the slot is visible could be lost).
    /// If a later slot was claimed meanwhile (the tail moved past this one), that insert's wake-up may have
    /// come while this slot still held the worker back (it stops at the first unpublished slot), so this
    /// publish wakes a sleeping worker itself, whatever its own DPC's importance. With one inserter the tail is
    /// on this core's own line: one cached read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Publish(long ticket, Dpc dpc, bool high, ref InsertRecord record, bool countIsCycle)
    {
        if (countIsCycle)
        {
            record.Cycle = ticket + Volatile.Read(ref _producer.OverflowInserted);
        }

        ref var slot = ref _shared.Ring![ticket & RingMask];
        slot.Dpc = dpc;
        slot.Record = record;
        Volatile.Write(ref slot.Sequence, ticket + 1);
        if (high)
        {
            Volatile.Write(ref _attention.Value, 1);
        }

        if (Volatile.Read(ref _producer.Tail) != ticket + 1)
        {
            WakeIfSleeping();
        }
    }

    private void PushOverflow(Dpc dpc)
    {
        var head = Volatile.Read(ref _producer.Overflow);
        while (true)
        {
            dpc.Queue.InboxNext = head;
            var seen = Interlocked.CompareExchange(ref _producer.Overflow, dpc, head);
            if (ReferenceEquals(seen, head))
            {
                return;
            }

            head = seen;
        }
    }

    private void Link(Dpc dpc)
    {
        if (dpc.Queue.QueuedImportance == DpcImportance.High)
        {
            List.AddFirst(dpc);
        }
        else
        {
            List.AddLast(dpc);
        }
    }

    /// <summary>
    /// What both sides only read after construction, on a line of its own: the worker's per-run writes
    /// to this object's other fields must not share a line with what every insert reads.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 144)]
    private struct SharedLine
    {
        [FieldOffset(64)]
        public Slot[]? Ring;

        [FieldOffset(72)]
        public WakeSignal? Signal;
    }

    /// <summary>One ring slot (64 bytes): the DPC, its insert's record and the claim number + 1 that publishes it (0: never used).</summary>
    private struct Slot
    {
        public Dpc? Dpc;
        public long Sequence;
        public InsertRecord Record;
    }

    /// <summary>What inserting threads write, alone in a cache line (64 bytes of padding each side).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 168)]
    private struct ProducerLine
    {
        [FieldOffset(64)]
        public Dpc? Overflow;

        [FieldOffset(72)]
        public long Tail;

        [FieldOffset(80)]
        public long CachedHead;

        /// <summary>Inserts that went to the overflow (those that went to the ring are <see cref="Tail"/>).</summary>
        [FieldOffset(88)]
        public long OverflowInserted;

        [FieldOffset(96)]
        public long Coalesced;
    }

    /// <summary>What collectors write (under the lock) and inserters read only when the ring looks full.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 136)]
    private struct ConsumerLine
    {
        [FieldOffset(64)]
        public long Head;
    }

    [StructLayout(LayoutKind.Explicit, Size = 132)]
    private struct PaddedInt
    {
        [FieldOffset(64)]
        public int Value;
    }
}
