using DpcPi.Kernel;

namespace DpcPi.Reporting.Tests;

/// <summary>A single-threaded interrupt controller for manual kernels: <see cref="Raise"/> queues an edge, <see cref="DpcKernel.PollInterrupts"/> services it.</summary>
internal sealed class ManualInterruptController : IInterruptController, IInterruptSource
{
    private readonly Queue<(int Vector, long TimestampNs)> _pending = new();
    private ulong _sequence;

    public void Raise(int vector, long timestampNs) => _pending.Enqueue((vector, timestampNs));

    public int WaitForInterrupts(Span<int> pendingVectors, int timeoutMs)
    {
        if (_pending.Count == 0)
        {
            return 0;
        }

        pendingVectors[0] = _pending.Peek().Vector;
        return 1;
    }

    public void Service(Interrupt interrupt)
    {
        while (_pending.Count > 0 && _pending.Peek().Vector == interrupt.Vector)
        {
            var (_, ts) = _pending.Dequeue();
            var frame = new InterruptFrame { TimestampNs = ts, Sequence = ++_sequence, Line = interrupt.Vector };
            interrupt.Dispatch(ref frame);
        }
    }

    public void Wake()
    {
    }
}
