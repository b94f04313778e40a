namespace DpcPi.SystemDeviceGpio;

/// <summary>One edge as the ISR queued it for the pin's DPC.</summary>
internal readonly record struct EdgeRecord(long TimestampNs, bool Rising, uint LineSequence, long LostBefore, long ReadIndex);

/// <summary>
/// A preallocated single-producer (the ISR thread) single-consumer (the pin's DPC, serialised by its
/// drain lock) ring. A DPC coalesces inserts, so the edges between two DPC runs must wait somewhere:
/// here, without a lock or an allocation. Full means the newest edge is refused and the ISR counts it
/// as lost; the producer can only drop at its own end without racing the consumer.
/// </summary>
internal sealed class EdgeRing
{
    private readonly EdgeRecord[] _slots;
    private readonly long _mask;
    private long _head; // next slot to read (consumer only writes it)
    private long _tail; // next slot to write (producer only writes it)

    public EdgeRing(int capacity)
    {
        if (capacity < 1 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The ring capacity must be a power of two.");
        }

        _slots = new EdgeRecord[capacity];
        _mask = capacity - 1;
    }

    public int Capacity => _slots.Length;

    public int Count => (int)(Volatile.Read(ref _tail) - Volatile.Read(ref _head));

    /// <summary>Producer side: false when the ring is full (nothing is overwritten).</summary>
    public bool TryEnqueue(in EdgeRecord record)
    {
        var tail = _tail;
        if (tail - Volatile.Read(ref _head) >= _slots.Length)
        {
            return false;
        }

        _slots[tail & _mask] = record;
        Volatile.Write(ref _tail, tail + 1); // publishes the slot's contents to the consumer
        return true;
    }

    /// <summary>Consumer side: false when empty.</summary>
    public bool TryDequeue(out EdgeRecord record)
    {
        var head = _head;
        if (head == Volatile.Read(ref _tail))
        {
            record = default;
            return false;
        }

        record = _slots[head & _mask];
        Volatile.Write(ref _head, head + 1); // frees the slot for the producer only after it was copied
        return true;
    }
}
