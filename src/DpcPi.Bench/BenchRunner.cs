using System.Diagnostics;
using DpcPi.Bench.Contenders;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Bench;

/// <summary>
/// Runs the ISR→handler hand-off benchmark: for each contender, one at a time, a paced latency phase
/// (each event stamped by the producer, then handed over; latency = handler start − stamp) and a burst
/// throughput phase (as fast as the consumer keeps up, at most <see cref="BenchOptions.InFlightLimit"/>
/// in flight; handled must equal produced). The producer is pinned to one CPU, consumers to the other.
/// </summary>
public static class BenchRunner
{
    /// <summary>Runs every selected contender and returns the figures. <paramref name="progress"/> gets one line per step.</summary>
    public static BenchResult Run(BenchOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var names = options.Contenders ?? BenchOptions.AllContenders;
        var results = new List<ContenderResult>();
        var notes = new List<string>();
        var cpus = ThreadControl.GetAllowedCpus();
        if (!cpus.Contains(options.ProducerCpu) || !cpus.Contains(options.ConsumerCpu) || options.ProducerCpu == options.ConsumerCpu)
        {
            notes.Add($"producer CPU {options.ProducerCpu} / consumer CPU {options.ConsumerCpu} are not two distinct allowed CPUs ({string.Join(",", cpus)}); threads share cores and spinning contenders will be slow");
        }

        notes.Add(options.Realtime
            ? "producer and dedicated consumers ran SCHED_FIFO (threadpool workers cannot)"
            : "all threads ran SCHED_OTHER: other load on these CPUs preempts producer and consumers (use Realtime for FIFO)");
        if (File.Exists("/proc/loadavg"))
        {
            var load = File.ReadAllText("/proc/loadavg").Split(' ');
            notes.Add($"load average at start: {load[0]} (1 min) on {Environment.ProcessorCount} CPUs" + (options.Realtime ? "" : "; other runnable threads preempt consumers and inflate tails"));
        }

        const string rtRuntime = "/proc/sys/kernel/sched_rt_runtime_us";
        if (options.Realtime && File.Exists(rtRuntime) && long.TryParse(File.ReadAllText(rtRuntime).Trim(), out var runtimeUs) && runtimeUs >= 0 && runtimeUs < 1_000_000)
        {
            notes.Add($"RT throttling is on (sched_rt_runtime_us={runtimeUs}): busy-spinning FIFO threads are paused for up to {(1_000_000 - runtimeUs) / 1000} ms per second, which shows up in their max");
        }

        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Invoke($"bench: {name} ...");
            var result = RunOne(Create(name, options), options);
            results.Add(result);
            progress?.Invoke($"bench: {name} p50 {result.P50Ns} ns p99 {result.P99Ns} ns, {result.ThroughputPerSecond / 1e6:0.00} M/s");
        }

        return new BenchResult
        {
            Mode = options.Mode,
            ProcessorCount = Environment.ProcessorCount,
            Results = results,
            Notes = notes,
        };
    }

    private static Contender Create(string name, BenchOptions o) => name switch
    {
        "raw-spin" => new RawSpinContender(),
        "raw-spin-stamped" => new RawSpinContender(stamped: true),
        "direct" => new DirectContender(),
        "dpc-spin-then-block" => new DpcKernelContender(DpcWaitStrategy.SpinThenBlock, o.Realtime, o.SpinDuration),
        "dpc-busy-spin" => new DpcKernelContender(DpcWaitStrategy.BusySpin, o.Realtime, o.SpinDuration),
        "dpc-blocking" => new DpcKernelContender(DpcWaitStrategy.Blocking, o.Realtime, o.SpinDuration),
        "channel" => new ChannelContender(),
        "threadpool" => new ThreadPoolContender(),
        "blocking-collection" => new BlockingCollectionContender(),
        _ => throw new ArgumentException($"Unknown contender '{name}'.", nameof(name)),
    };

    private static ContenderResult RunOne(Contender contender, BenchOptions o)
    {
        var sink = new BenchSink(contender.ConcurrentHandler);
        contender.RealtimePriority = o.Realtime ? BenchOptions.ConsumerPriority : 0;
        ContenderResult? result = null;
        Exception? failure = null;
        contender.Start(sink, o.ConsumerCpu, o.InFlightLimit);
        try
        {
            // The producer is the "ISR": its own pinned thread, so the caller's thread placement does not matter.
            var producer = new Thread(() =>
            {
                try
                {
                    var e = ThreadControl.PinCurrentThread(o.ProducerCpu);
                    if (e != 0)
                    {
                        contender.Notes.Add($"producer: pinning to CPU {o.ProducerCpu} refused ({ThreadControl.Describe(e)})");
                    }

                    if (o.Realtime && (e = ThreadControl.SetRealtime(BenchOptions.ProducerPriority)) != 0)
                    {
                        contender.Notes.Add($"producer: SCHED_FIFO refused ({ThreadControl.Describe(e)})");
                    }

                    result = Measure(contender, sink, o);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            })
            { IsBackground = true, Name = "bench-producer" };
            producer.Start();
            producer.Join();
        }
        finally
        {
            contender.Stop();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"bench contender {contender.Name} failed: {failure.Message}", failure);
        }

        return result! with { Notes = [.. contender.Notes] };
    }

    private static ContenderResult Measure(Contender c, BenchSink sink, BenchOptions o)
    {
        var intervalNs = (long)(o.Interval.TotalMilliseconds * 1_000_000);
        long produced = 0;

        // Warm-up: same paced path, not recorded.
        produced = Paced(c, sink, produced, o.WarmupEvents, intervalNs, o);
        WaitDrained(sink, produced, o.DrainTimeout);

        var allocBefore = GC.GetTotalAllocatedBytes(precise: true);
        sink.Recording = true;
        var latencyStart = produced;
        produced = Paced(c, sink, produced, o.LatencyEvents, intervalNs, o);
        WaitDrained(sink, produced, o.DrainTimeout);
        sink.Recording = false;
        var latencyLost = produced - sink.Handled;
        var latencyEvents = produced - latencyStart;

        // Throughput: burst for the configured time, never more than InFlightLimit ahead of the consumer.
        var handledBefore = sink.Handled;
        var producedBefore = produced;
        var durationNs = (long)(o.ThroughputDuration.TotalMilliseconds * 1_000_000);
        var limit = o.InFlightLimit;
        var start = Stopwatch.GetTimestamp();
        var end = start + durationNs;
        var stalled = false;
        while (true)
        {
            // Check the clock every 256 events: the burst must not be paced by clock reads.
            for (var i = 0; i < 256; i++)
            {
                if (produced - sink.Handled >= limit && !WaitBelow(sink, produced - limit + 1, start + durationNs + (long)(o.DrainTimeout.TotalMilliseconds * 1_000_000)))
                {
                    stalled = true;
                    break;
                }

                c.Publish(Stopwatch.GetTimestamp());
                produced++;
            }

            if (stalled || Stopwatch.GetTimestamp() >= end)
            {
                break;
            }
        }

        WaitDrained(sink, produced, o.DrainTimeout);
        var finished = Stopwatch.GetTimestamp();
        var allocAfter = GC.GetTotalAllocatedBytes(precise: true);
        var tpProduced = produced - producedBefore;
        var tpHandled = sink.Handled - handledBefore;
        var h = sink.Histogram;
        var measuredEvents = latencyEvents + tpProduced;
        return new ContenderResult
        {
            Name = c.Name,
            Count = h.TotalCount,
            MinNs = h.Min,
            AvgNs = h.Mean,
            P50Ns = h.GetValueAtPercentile(50),
            P90Ns = h.GetValueAtPercentile(90),
            P99Ns = h.GetValueAtPercentile(99),
            P999Ns = h.GetValueAtPercentile(99.9),
            MaxNs = h.Max,
            Lost = Math.Max(0, latencyLost),
            ThroughputProduced = tpProduced,
            ThroughputHandled = tpHandled,
            ThroughputPerSecond = tpHandled / Math.Max(1e-9, (finished - start) / 1e9),
            BytesPerInterrupt = measuredEvents == 0 ? 0 : Math.Max(0, allocAfter - allocBefore) / (double)measuredEvents,
        };
    }

    /// <summary>Publishes <paramref name="count"/> events, one per interval and each only once the previous one was handled.</summary>
    private static long Paced(Contender c, BenchSink sink, long produced, int count, long intervalNs, BenchOptions o)
    {
        var next = Stopwatch.GetTimestamp();
        var timeoutNs = (long)(o.DrainTimeout.TotalMilliseconds * 1_000_000);
        for (var i = 0; i < count; i++)
        {
            next += intervalNs;
            while (Stopwatch.GetTimestamp() < next)
            {
                Thread.SpinWait(1);
            }

            if (!WaitBelow(sink, produced, Stopwatch.GetTimestamp() + timeoutNs))
            {
                break;
            }

            c.Publish(Stopwatch.GetTimestamp());
            produced++;
            var now = Stopwatch.GetTimestamp();
            if (now > next + intervalNs)
            {
                next = now; // fell behind (slow hand-off): re-base rather than burst to catch up
            }
        }

        return produced;
    }

    /// <summary>Spins until at least <paramref name="target"/> events were handled; false on timeout.</summary>
    private static bool WaitBelow(BenchSink sink, long target, long deadline)
    {
        var spins = 0;
        while (sink.Handled < target)
        {
            Thread.SpinWait(1);
            if ((++spins & 1023) == 0 && Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }
        }

        return true;
    }

    private static void WaitDrained(BenchSink sink, long produced, TimeSpan timeout) =>
        WaitBelow(sink, produced, Stopwatch.GetTimestamp() + (long)(timeout.TotalMilliseconds * 1_000_000));
}
