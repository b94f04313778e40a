using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DpcPi.Bench.Contenders;

/// <summary>
/// The physical floor: a single-producer single-consumer ring whose consumer busy-spins on a volatile
/// sequence on its own core (no pause, no sleep). What is left is the cache-line transfer between cores.
/// <para>
/// <c>raw-spin-stamped</c> is the same ring plus the two clock reads any hand-off that reports its stages
/// must make on the way: the inserting side stamps "queued" before it publishes, the consuming side stamps
/// "start" before it calls the handler (as the DPC kernel does). The difference between the two rows is
/// the price of measuring, not of queuing.
/// </para>
/// </summary>
internal sealed class RawSpinContender(bool stamped = false) : Contender(stamped ? "raw-spin-stamped" : "raw-spin")
{
    private readonly bool _stamped = stamped;
    private long[] _queued = [];
    private long _checksum;
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
        _queued = new long[size];
        _mask = size - 1;
        _sink = sink;
        _consumer = StartPinned("raw-spin", consumerCpu, Consume, Notes);
    }

    public override void Publish(long stampNs)
    {
        var p = _seq.Published;
        _ring[p & _mask] = stampNs;
        if (_stamped)
        {
            _queued[p & _mask] = Stopwatch.GetTimestamp();
        }

        Volatile.Write(ref _seq.Published, p + 1);
    }

    public override void Stop()
    {
        _stop = true;
        _consumer?.Join();
        _consumer = null;
        if (_stamped)
        {
            Notes.Add("two clock reads per event: queued (before publishing) and start (before the handler)");
        }
    }

    private void Consume()
    {
        long next = 0;
        long checksum = 0;
        var sink = _sink!;
        var stampedRun = _stamped;
        while (!_stop)
        {
            var published = Volatile.Read(ref _seq.Published);
            while (next < published)
            {
                if (stampedRun)
                {
                    checksum += Stopwatch.GetTimestamp() - _queued[next & _mask]; // the "start" stamp
                }

                sink.Handle(_ring[next & _mask]);
                next++;
            }
        }

        _checksum = checksum; // used once, at the end: the consumer writes no shared line per event
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Sequences
    {
        [FieldOffset(64)]
        public long Published;
    }
}
