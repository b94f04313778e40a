namespace DpcPi.Interrupts;

/// <summary>
/// The ISR→DPC hand-off of edges: a preallocated ring with one producer (the ISR thread) and one consumer (a DPC,
/// serialised by its drain). A DPC coalesces inserts, so what arrives between two runs waits here, with no lock and
/// no allocation. Full means the newest item is refused (the producer counts it as lost); nothing is overwritten,
/// so the producer never races the consumer.
/// </summary>
public sealed class SpscRing<T>
    where T : struct
{
    private readonly T[] _slots;
    private readonly long _mask;
    private long _head; // next slot to read (only the consumer writes it)
    private long _tail; // next slot to write (only the producer writes it)

    /// <param name="capacity">A power of two.</param>
    public SpscRing(int capacity)
    {
        if (capacity < 1 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The ring capacity must be a power of two.");
        }

        _slots = new T[capacity];
        _mask = capacity - 1;
    }

    public int Capacity => _slots.Length;

    public int Count => (int)(Volatile.Read(ref _tail) - Volatile.Read(ref _head));

    /// <summary>Producer side: false when the ring is full (nothing is overwritten).</summary>
    public bool TryEnqueue(in T item)
    {
        var tail = _tail;
        if (tail - Volatile.Read(ref _head) >= _slots.Length)
        {
            return false;
        }

        _slots[tail & _mask] = item;
        Volatile.Write(ref _tail, tail + 1); // publishes the slot's contents to the consumer
        return true;
    }

    /// <summary>Consumer side: false when empty.</summary>
    public bool TryDequeue(out T item)
    {
        var head = _head;
        if (head == Volatile.Read(ref _tail))
        {
            item = default;
            return false;
        }

        item = _slots[head & _mask];
        Volatile.Write(ref _head, head + 1); // frees the slot for the producer only after it was copied
        return true;
    }
}
