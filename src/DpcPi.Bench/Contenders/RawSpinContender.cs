using System.Runtime.InteropServices;

namespace DpcPi.Bench.Contenders;

/// <summary>
/// The physical floor: a single-producer single-consumer ring whose consumer busy-spins on a volatile
/// sequence on its own core (no pause, no sleep). What is left is the cache-line transfer between cores.
/// </summary>
internal sealed class RawSpinContender() : Contender("raw-spin")
{
    private long[] _ring = [];
    private int _mask;
    private Sequences _seq;
    private volatile bool _stop;
    private Thread? _consumer;
    private BenchSink? _sink;

    public override void Start(BenchSink sink, int consumerCpu, int capacity)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, capacity));
        _ring = new long[size];
        _mask = size - 1;
        _sink = sink;
        _consumer = StartPinned("raw-spin", consumerCpu, Consume, Notes);
    }

    public override void Publish(long stampNs)
    {
        var p = _seq.Published;
        _ring[p & _mask] = stampNs;
        Volatile.Write(ref _seq.Published, p + 1);
    }

    public override void Stop()
    {
        _stop = true;
        _consumer?.Join();
        _consumer = null;
    }

    private void Consume()
    {
        long next = 0;
        var sink = _sink!;
        while (!_stop)
        {
            var published = Volatile.Read(ref _seq.Published);
            while (next < published)
            {
                sink.Handle(_ring[next & _mask]);
                next++;
            }
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Sequences
    {
        [FieldOffset(64)]
        public long Published;
    }
}
