using System.Diagnostics;
using DpcPi.Bench.Contenders;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Bench;

/// <summary>
/// Runs the ISR→handler hand-off benchmark: for each contender, one at a time, a paced latency phase
/// (each event stamped by the producer, then handed over; latency = handler start − stamp) and a burst
/// throughput phase (as fast as the consumer keeps up, at most <see cref="BenchOptions.InFlightLimit"/>
/// in flight; handled must equal produced). The producer is pinned to one CPU, consumers to the other.
/// <para>
/// The run is split into <see cref="BenchOptions.Rounds"/> rounds, each running every contender for its
/// share of the events, in an order that rotates from round to round. A contender's figures pool its rounds.
/// On a host whose speed drifts (a VM whose vCPUs move, thermal limits, other tenants) every contender thus
/// samples the same stretches of time, so the ratios compare hand-offs, not moments.
/// </para>
/// </summary>
public static partial class BenchRunner
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
            : "all threads ran SCHED_OTHER: other load on these CPUs preempts producer and consumers (--realtime for FIFO)");
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

        var rounds = options.Rounds;
        var pooled = names.ToDictionary(n => n, _ => new Pool());
        for (var round = 0; round < rounds; round++)
        {
            // Rotate the order, so no contender always runs first (or right after the same neighbour).
            for (var k = 0; k < names.Count; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = names[(k + round) % names.Count];
                var label = rounds > 1 ? $"bench: round {round + 1}/{rounds}: {name}" : $"bench: {name}";
                progress?.Invoke($"{label} ...");
                var share = new RoundShare(
                    // The first round warms the JIT up in full; later rounds reuse the compiled code and only warm the caches.
                    round == 0 ? options.WarmupEvents : options.WarmupEvents / 8,
                    round == 0 && options.WarmupEvents > 0 ? options.TierUpPause : TimeSpan.Zero,
                    Share(options.LatencyEvents, rounds, round),
                    options.ThroughputDuration / rounds);
                var figures = RunOne(Create(name, options), options, share);
                pooled[name].Add(figures);
                progress?.Invoke($"{label} p50 {figures.Histogram.GetValueAtPercentile(50)} ns p99 {figures.Histogram.GetValueAtPercentile(99)} ns, {figures.ThroughputPerSecond / 1e6:0.00} M/s");
            }
        }

        foreach (var name in names)
        {
            results.Add(pooled[name].ToResult(name));
        }

        var stolen = results.Where(r => r.StealPercent >= CpuTimes.StealWorthNoting).ToArray();
        if (stolen.Length > 0)
        {
            notes.Add($"the hypervisor took CPUs {Math.Min(options.ProducerCpu, options.ConsumerCpu)} and {Math.Max(options.ProducerCpu, options.ConsumerCpu)} from this VM for part of the run (steal: "
                + string.Join(", ", stolen.Select(r => $"{r.Name} {CpuTimes.Format(r.StealPercent)}"))
                + "); time the host takes shows up as latency and lost throughput, so those figures measure the host too");
        }

        if (rounds > 1)
        {
            notes.Add($"{rounds} rounds, each running every contender in a rotated order; figures pool the rounds (round_p50_ns gives each round's p50)");
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
        "dpc-spin-then-block" => new DpcKernelContender(DpcWaitStrategy.SpinThenBlock, o.Realtime, o.SpinDuration, o.ProducerCpu),
        "dpc-busy-spin" => new DpcKernelContender(DpcWaitStrategy.BusySpin, o.Realtime, o.SpinDuration, o.ProducerCpu),
        "dpc-blocking" => new DpcKernelContender(DpcWaitStrategy.Blocking, o.Realtime, o.SpinDuration, o.ProducerCpu),
        DpcKernelContender.RecorderName => new DpcKernelContender(DpcWaitStrategy.SpinThenBlock, o.Realtime, o.SpinDuration, o.ProducerCpu, flightRecorder: true),
        "channel" => new ChannelContender(),
        "threadpool" => new ThreadPoolContender(),
        "blocking-collection" => new BlockingCollectionContender(),
        _ => throw new ArgumentException($"Unknown contender '{name}'.", nameof(name)),
    };

    /// <summary>The chunks the first round's warm-up is split into (one per tiering step, and one to spare).</summary>
    private const int TierUpChunks = 4;

    /// <summary>A producer at the in-flight limit resumes once a quarter of the limit was handled.</summary>
    private const int RefillDivisor = 4;

    /// <summary>Spins between two readings of the consumer's count while a full producer waits (Thread.SpinWait units).</summary>
    private const int BurstPollSpins = 16;

    /// <summary>Round <paramref name="round"/>'s share of <paramref name="total"/> events (the shares add up to it).</summary>
    private static int Share(int total, int rounds, int round) => (int)((long)total * (round + 1) / rounds - (long)total * round / rounds);

    private static RoundFigures RunOne(Contender contender, BenchOptions o, RoundShare share)
    {
        var sink = new BenchSink(contender.ConcurrentHandler);
        contender.RealtimePriority = o.Realtime ? BenchOptions.ConsumerPriority : 0;
        RoundFigures? result = null;
        Exception? failure = null;
        int[] cpus = [o.ProducerCpu, o.ConsumerCpu];
        var cpuBefore = CpuTimes.Read(cpus);
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

                    result = Measure(contender, sink, o, share);
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

        return result! with { Notes = [.. contender.Notes], Cpu = CpuTimes.Between(cpuBefore, CpuTimes.Read(cpus)) };
    }

    private static RoundFigures Measure(Contender c, BenchSink sink, BenchOptions o, RoundShare share)
    {
        var intervalNs = (long)(o.Interval.TotalMilliseconds * 1_000_000);
        long produced = 0;

        // Warm-up: same paced path, not recorded. While the producer and a spinning consumer hold both cores at
        // FIFO, the runtime's background JIT (a normal thread) barely runs, and tiering goes in steps (call
        // counting after a quiet spell, then the optimised compile), each needing calls and then CPU time. So
        // the first round warms up in chunks with the producer's core left idle after each.
        var chunks = share.TierUpPause > TimeSpan.Zero ? TierUpChunks : 1;
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            produced = Paced(c, sink, produced, Math.Max(1, share.WarmupEvents / chunks), intervalNs, o);
            WaitDrained(sink, produced, o.DrainTimeout);
            if (share.TierUpPause > TimeSpan.Zero)
            {
                Thread.Sleep(share.TierUpPause);
            }
        }

        if (share.TierUpPause > TimeSpan.Zero)
        {
            produced = Paced(c, sink, produced, Math.Max(1, share.WarmupEvents / 8), intervalNs, o); // the caches again
            WaitDrained(sink, produced, o.DrainTimeout);
        }

        var allocBefore = GC.GetTotalAllocatedBytes(precise: true);
        c.LatencyPhase(starting: true);
        sink.Recording = true;
        var latencyStart = produced;
        produced = Paced(c, sink, produced, share.LatencyEvents, intervalNs, o);
        WaitDrained(sink, produced, o.DrainTimeout);
        sink.Recording = false;
        c.LatencyPhase(starting: false);
        var latencyLost = produced - sink.Handled;
        var latencyEvents = produced - latencyStart;

        // Throughput: burst for the configured time, never more than InFlightLimit ahead of the consumer.
        var handledBefore = sink.Handled;
        var producedBefore = produced;
        var durationNs = (long)(share.ThroughputDuration.TotalMilliseconds * 1_000_000);
        var limit = o.InFlightLimit;
        c.ThroughputPhase(starting: true);
        var start = Stopwatch.GetTimestamp();
        var end = start + durationNs;
        var deadline = end + (long)(o.DrainTimeout.TotalMilliseconds * 1_000_000);
        var refill = Math.Max(1, limit / RefillDivisor);
        var handledSeen = sink.Handled;
        var stalled = false;
        while (true)
        {
            // Check the clock every 256 events: the burst must not be paced by clock reads.
            for (var i = 0; i < 256; i++)
            {
                // The consumer's count is read only when the last reading says the limit is reached, and a full
                // producer waits for a batch of room, polling now and then: a producer that reads that count
                // after every event pulls its line away from the consumer once per event it handles, a cost
                // of the harness that no real interrupt source imposes.
                if (produced - handledSeen >= limit)
                {
                    handledSeen = sink.Handled;
                    if (produced - handledSeen >= limit)
                    {
                        if (!WaitBelow(sink, produced - limit + refill, deadline, BurstPollSpins))
                        {
                            stalled = true;
                            break;
                        }

                        handledSeen = sink.Handled;
                    }
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
        c.ThroughputPhase(starting: false);
        var allocAfter = GC.GetTotalAllocatedBytes(precise: true);
        var tpProduced = produced - producedBefore;
        var tpHandled = sink.Handled - handledBefore;
        return new RoundFigures(
            sink.Histogram,
            c.QueueWait,
            Math.Max(0, latencyLost),
            tpProduced,
            tpHandled,
            (finished - start) / 1e9,
            Math.Max(0, allocAfter - allocBefore),
            latencyEvents + tpProduced,
            []);
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

    /// <summary>Spins until at least <paramref name="target"/> events were handled, reading the count every <paramref name="spinsPerPoll"/> spins; false on timeout.</summary>
    private static bool WaitBelow(BenchSink sink, long target, long deadline, int spinsPerPoll = 1)
    {
        var spins = 0;
        while (sink.Handled < target)
        {
            Thread.SpinWait(spinsPerPoll);
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
