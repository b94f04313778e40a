using System.Runtime.InteropServices;

namespace DpcPi.Kernel;

/// <summary>
/// A DPC's queue state: what an insert claims and writes and what the lane's list links. It sits alone
/// in its own cache lines (<see cref="CacheLine"/> padding each side), apart from the DPC's read-only fields
/// (routine, context, name, histogram): the line an insert takes exclusive to claim the DPC is then not
/// the line the worker reads to call the routine, so each hand-off moves one DPC line between cores, not two.
/// <para>
/// <see cref="QueuedOn"/> is null (not queued), <see cref="Dpc.Inserting"/>, or the <see cref="DpcProcessor"/>
/// it is queued on. An insert claims it with a CAS from null and owns the other fields until the DPC is
/// dequeued or removed. The insert's <see cref="Record"/> is here only while the DPC sits in a list or the
/// overflow; a DPC waiting in a ring slot carries it in the slot.
/// </para>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = CacheLine.Before + 112 + CacheLine.After)]
internal struct DpcQueueState
{
    [FieldOffset(CacheLine.Before)]
    public object? QueuedOn;

    /// <summary>The lane's overflow stack link.</summary>
    [FieldOffset(CacheLine.Before + 8)]
    public Dpc? InboxNext;

    [FieldOffset(CacheLine.Before + 16)]
    public Dpc? Next;

    [FieldOffset(CacheLine.Before + 24)]
    public Dpc? Previous;

    /// <summary>The arguments and stamps of the insert, while the DPC is in the list or the overflow.</summary>
    [FieldOffset(CacheLine.Before + 32)]
    public InsertRecord Record;

    /// <summary>Inserts that found the DPC queued (written by inserters, on the line they already own).</summary>
    [FieldOffset(CacheLine.Before + 80)]
    public long CoalescedCount;

    [FieldOffset(CacheLine.Before + 88)]
    public DpcImportance QueuedImportance;

    /// <summary>Whether the DPC is in its lane's list (not the ring, not the overflow).</summary>
    [FieldOffset(CacheLine.Before + 92)]
    public bool Linked;

    /// <summary>The ISR thread's pass the queuing insert came from (<see cref="KernelThread.InterruptPass"/>; 0: not from an ISR there).</summary>
    [FieldOffset(CacheLine.Before + 96)]
    public long InsertPass;

    /// <summary>
    /// Of <see cref="CoalescedCount"/>, the inserts from an ISR in the same pass as the insert that queued the DPC: the
    /// interrupts were pending together, so the DPC could not have run between them (Windows coalesces those too).
    /// </summary>
    [FieldOffset(CacheLine.Before + 104)]
    public long CoalescedPendingTogether;
}
