using System.Diagnostics;
using System.Runtime.InteropServices;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Bench.Contenders;

/// <summary>
/// The handler every contender calls: records now − stamp (Stopwatch ns = CLOCK_MONOTONIC) while the
/// latency phase is measuring and counts handled events. Single consumer unless <see cref="Concurrent"/>.
/// </summary>
internal sealed class BenchSink
{
    private Padded _handled;

    public BenchSink(bool concurrent) => Concurrent = concurrent;

    public bool Concurrent { get; }

    public LatencyHistogram Histogram { get; } = new();

    public volatile bool Recording;

    public long Handled => Volatile.Read(ref _handled.Value);

    public void Handle(long stampNs)
    {
        var latency = Stopwatch.GetTimestamp() - stampNs;
        if (Concurrent)
        {
            if (Recording)
            {
                Histogram.RecordConcurrent(latency);
            }

            Interlocked.Increment(ref _handled.Value);
        }
        else
        {
            if (Recording)
            {
                Histogram.Record(latency);
            }

            Volatile.Write(ref _handled.Value, _handled.Value + 1);
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Padded
    {
        [FieldOffset(64)]
        public long Value;
    }
}
