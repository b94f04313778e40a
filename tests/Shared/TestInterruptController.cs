using DpcPi.Kernel;

namespace DpcPi.TestSupport;

/// <summary>
/// An in-memory interrupt controller and source for tests: <see cref="Raise"/> queues an event for
/// a vector (from any thread); the ISR thread (or <see cref="DpcKernel.PollInterrupts"/>) services
/// it. Preallocated, so the hot path under test allocates nothing.
/// </summary>
public sealed class TestInterruptController : IInterruptController, IInterruptSource, IDisposable
{
    private readonly Lock _lock = new();
    private readonly ManualResetEventSlim _pending = new(false, 0);
    private readonly (int Vector, long Timestamp, ulong Sequence)[] _ring = new (int, long, ulong)[4096];
    private readonly (int Vector, long Timestamp, ulong Sequence)[] _batch = new (int, long, ulong)[4096];
    private int _head;
    private int _count;
    private int _batchCount;
    private int _batchIndex;
    private ulong _sequence;

    /// <summary>Queues an event; waits (spinning) while the ISR thread is a full ring behind, like a device FIFO applying back-pressure.</summary>
    public void Raise(int vector, long timestampNs)
    {
        var spin = default(SpinWait);
        while (true)
        {
            using (_lock.EnterScope())
            {
                if (_count < _ring.Length)
                {
                    _ring[(_head + _count) % _ring.Length] = (vector, timestampNs, ++_sequence);
                    _count++;
                    break;
                }
            }

            _pending.Set();
            spin.SpinOnce();
        }

        _pending.Set();
    }

    public int WaitForInterrupts(Span<int> pendingVectors, int timeoutMs)
    {
        if (!_pending.Wait(timeoutMs))
        {
            return 0;
        }

        var n = 0;
        using (_lock.EnterScope())
        {
            _pending.Reset();
            _batchCount = 0;
            _batchIndex = 0;
            while (_count > 0)
            {
                _batch[_batchCount++] = _ring[_head];
                _head = (_head + 1) % _ring.Length;
                _count--;
            }
        }

        // Report each vector once per batch, in arrival order.
        for (var i = 0; i < _batchCount && n < pendingVectors.Length; i++)
        {
            var v = _batch[i].Vector;
            var seen = false;
            for (var j = 0; j < n; j++)
            {
                seen |= pendingVectors[j] == v;
            }

            if (!seen)
            {
                pendingVectors[n++] = v;
            }
        }

        return n;
    }

    public void Service(Interrupt interrupt)
    {
        for (var i = _batchIndex; i < _batchCount; i++)
        {
            if (_batch[i].Vector != interrupt.Vector)
            {
                continue;
            }

            var frame = new InterruptFrame { TimestampNs = _batch[i].Timestamp, Sequence = _batch[i].Sequence, Line = interrupt.Vector };
            interrupt.Dispatch(ref frame);
        }
    }

    public void Wake() => _pending.Set();

    public void Dispose() => _pending.Dispose();
}
