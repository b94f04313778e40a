using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DpcPi.Kernel;

/// <summary>The lane's ring: the inserters' claim and publish, the overflow, and the drainer's take from a slot.</summary>
internal sealed partial class DpcLane
{
    private const int RingSize = 1024;
    private const int RingMask = RingSize - 1;

    private readonly SharedLine _shared; // read-only after construction
    private ProducerLine _producer; // inserters
    private PaddedLong _consumer; // the head: lock holders write it, inserters read it only when the ring looks full

    // The drainer's ring-depth history (NoteRingDepth): the position of the last slot-taken run, when each
    // slot-taken position was taken (its run's start), the oldest position not known to have been taken before
    // the latest run's insert, the deepest ring seen.
    private long _takenFrom;
    private readonly long[] _takenNs = new long[RingSize];
    private long _depthFrom;
    private long _lastDepthNoted = -1;
    private int _ringHighWater;

    /// <summary>Inserts accepted by this lane (the Windows DpcCount of one list).</summary>
    public long Inserted => Volatile.Read(ref _producer.Tail) + Volatile.Read(ref _producer.OverflowInserted);

    /// <summary>Inserts that found the DPC already queued.</summary>
    public long Coalesced => Volatile.Read(ref _producer.Coalesced);

    /// <summary>Of <see cref="Coalesced"/>, those pending together with the insert that queued the DPC (<see cref="DpcQueueState.CoalescedPendingTogether"/>).</summary>
    public long CoalescedPendingTogether => Volatile.Read(ref _producer.CoalescedPendingTogether);

    public void CountCoalesced(bool pendingTogether)
    {
        Interlocked.Increment(ref _producer.Coalesced);
        if (pendingTogether)
        {
            Interlocked.Increment(ref _producer.CoalescedPendingTogether);
        }
    }

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
    /// Under the core's lock, the drainer's fast path: when its list is empty and nothing needs attention, the
    /// oldest published slot is the DPC a collect would put at the head of the list, so it is taken straight
    /// from the slot with its record. The DPC never enters the list and the worker never reads its queue
    /// lines, which the inserting core has just written. False: use the list.
    /// </summary>
    public bool TryTakeSlotLocked(out Dpc dpc, out InsertRecord record)
    {
        var head = _consumer.Value;
        if (List.Count != 0 || !IsPublished(head) || Volatile.Read(ref _attention.Value) != 0)
        {
            dpc = null!;
            record = default;
            return false;
        }

        ref var slot = ref _shared.Ring![head & RingMask];
        dpc = slot.Dpc!;
        record = slot.Record;
        Volatile.Write(ref _consumer.Value, head + 1);
        Volatile.Write(ref _taken, _taken + 1);
        _takenFrom = head;
        return true;
    }

    /// <summary>
    /// After the routine of a DPC taken from a slot (off the latency path; the drainer only): the depth of the ring
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

    /// <summary>Claims the next ring slot (its position in <paramref name="ticket"/>); false when the ring is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryClaim(out long ticket)
    {
        while (true)
        {
            var tail = Volatile.Read(ref _producer.Tail);
            if (tail - Volatile.Read(ref _producer.CachedHead) >= RingSize)
            {
                var head = Volatile.Read(ref _consumer.Value);
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

    /// <summary>Whether the slot of ring position <paramref name="index"/> holds that position's insert, complete (its sequence is index + 1).</summary>
    private bool IsPublished(long index) => Volatile.Read(ref _shared.Ring![index & RingMask].Sequence) == index + 1;

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

    /// <summary>
    /// What both sides only read after construction, on a line of its own: the worker's per-run writes
    /// to this object's other fields must not share a line with what every insert reads.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = CacheLine.Before + 16 + CacheLine.After)]
    private struct SharedLine
    {
        [FieldOffset(CacheLine.Before)]
        public Slot[]? Ring;

        [FieldOffset(CacheLine.Before + 8)]
        public WakeSignal? Signal;
    }

    /// <summary>One ring slot (64 bytes): the DPC, its insert's record and the claim number + 1 that publishes it (0: never used).</summary>
    private struct Slot
    {
        public Dpc? Dpc;
        public long Sequence;
        public InsertRecord Record;
    }

    /// <summary>What inserting threads write, alone in a cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = CacheLine.Before + 48 + CacheLine.After)]
    private struct ProducerLine
    {
        [FieldOffset(CacheLine.Before)]
        public Dpc? Overflow;

        [FieldOffset(CacheLine.Before + 8)]
        public long Tail;

        [FieldOffset(CacheLine.Before + 16)]
        public long CachedHead;

        /// <summary>Inserts that went to the overflow (those that went to the ring are <see cref="Tail"/>).</summary>
        [FieldOffset(CacheLine.Before + 24)]
        public long OverflowInserted;

        [FieldOffset(CacheLine.Before + 32)]
        public long Coalesced;

        [FieldOffset(CacheLine.Before + 40)]
        public long CoalescedPendingTogether;
    }
}
