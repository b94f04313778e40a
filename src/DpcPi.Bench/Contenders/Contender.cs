using DpcPi.Kernel.Measurement;

namespace DpcPi.Bench.Contenders;

/// <summary>One way of handing an event from the ISR side (the producer thread) to a handler.</summary>
internal abstract class Contender : IDisposable
{
    protected Contender(string name) => Name = name;

    public string Name { get; }

    /// <summary>Things the report should say about how this contender was run.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>True when the handler may run on several threads at once (the sink must record concurrently).</summary>
    public virtual bool ConcurrentHandler => false;

    /// <summary>Starts the consumer side (pinned to <paramref name="consumerCpu"/> where possible) with <paramref name="sink"/> as handler.</summary>
    public abstract void Start(BenchSink sink, int consumerCpu, int capacity);

    /// <summary>Hands one event stamped at <paramref name="stampNs"/> to the consumer. Called on the producer thread only.</summary>
    public abstract void Publish(long stampNs);

    /// <summary>
    /// Called on the producer thread as the paced latency phase starts and after it has drained (the consumer is
    /// done with its handlers both times, though it may still be recording their stages: a contender that reads
    /// those waits for them). Must not allocate: the phase's allocations are measured.
    /// </summary>
    public virtual void LatencyPhase(bool starting)
    {
    }

    /// <summary>
    /// Called on the producer thread as the burst throughput phase starts (before its first event) and after it has
    /// drained; every other event is paced (one in flight). Must not allocate: the phase's allocations are measured.
    /// </summary>
    public virtual void ThroughputPhase(bool starting)
    {
    }

    /// <summary>The hand-off's own queued→start stage over the last latency phase, for contenders that stamp it; else null.</summary>
    public virtual LatencyHistogram? QueueWait => null;

    /// <summary>Stops and joins the consumer side.</summary>
    public abstract void Stop();

    public void Dispose() => Stop();

    /// <summary>SCHED_FIFO priority for dedicated consumer threads; 0 leaves them SCHED_OTHER.</summary>
    public int RealtimePriority { get; set; }

    protected Thread StartPinned(string name, int cpu, Action body, List<string> notes)
    {
        var priority = RealtimePriority;
        var t = new Thread(() =>
        {
            var e = Platform.ThreadControl.PinCurrentThread(cpu);
            if (e != 0)
            {
                lock (notes)
                {
                    notes.Add($"{name}: pinning to CPU {cpu} refused ({Platform.ThreadControl.Describe(e)})");
                }
            }

            if (priority > 0 && (e = Platform.ThreadControl.SetRealtime(priority)) != 0)
            {
                lock (notes)
                {
                    notes.Add($"{name}: SCHED_FIFO {priority} refused ({Platform.ThreadControl.Describe(e)})");
                }
            }

            body();
        })
        { IsBackground = true, Name = name };
        t.Start();
        return t;
    }
}
