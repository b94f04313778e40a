using System.Diagnostics;
using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Bench;

/// <summary>One line count's figures: wall time per edge at a fixed number in flight (the inverse of throughput), pooled over the rounds.</summary>
public sealed record LinesCaseResult(int Lines, long Edges, double NsPerEdge, long Lost);

/// <summary>
/// `dpcpi bench --lines 1,8,64`: what an edge costs when one line request carries many active lines. A fake chip
/// (the backend a lab uses without a Pi) takes edges round-robin on N lines of one request; the ISR thread reads
/// them in batches through the epoll path (GpioInterruptSource) and queues one DPC per edge from a ring (so no edge
/// coalesces), the DPC counts it. The same number of edges is in flight for every N, so only what scales with the
/// lines can move the cost. Cases alternate their order each round, so a drifting host favours none.
/// </summary>
public static class ManyLinesBench
{
    /// <summary>Edges in flight for every line count (so only what scales with the lines moves the cost).</summary>
    public const int InFlight = 16;
    private const string Chip = "gpiochip0";

    public static IReadOnlyList<LinesCaseResult> Run(IReadOnlyList<int> lineCounts, int edgesPerRound, int rounds, bool realtime, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(lineCounts);
        var totals = lineCounts.ToDictionary(n => n, _ => (Edges: 0L, Wall: 0L, Lost: 0L));
        for (var round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? lineCounts : lineCounts.Reverse().ToList();
            foreach (var n in order)
            {
                token.ThrowIfCancellationRequested();
                var (wall, lost) = RunCase(n, edgesPerRound, realtime, warmup: round == 0);
                var t = totals[n];
                totals[n] = (t.Edges + edgesPerRound, t.Wall + wall, t.Lost + lost);
            }
        }

        return [.. lineCounts.Select(n => totals[n]).Select((t, i) => new LinesCaseResult(lineCounts[i], t.Edges, (double)t.Wall / t.Edges, t.Lost))];
    }

    /// <summary>The table: ns per edge for each line count, and each as a multiple of the first count's.</summary>
    public static IEnumerable<string> Format(IReadOnlyList<LinesCaseResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        yield return "edges on N lines of one request (fake chip, epoll ISR path, one DPC per edge):";
        yield return FormattableString.Invariant($"  ({InFlight} edges in flight for every line count; ns/edge is wall time, the inverse of throughput)");
        yield return "  lines    edges     ns/edge   x first   lost";
        foreach (var r in results)
        {
            yield return FormattableString.Invariant($"  {r.Lines,5} {r.Edges,8} {r.NsPerEdge,11:F0} {r.NsPerEdge / results[0].NsPerEdge,8:F2}x {r.Lost,6}");
        }
    }

    private static (long WallNs, long Lost) RunCase(int lines, int edges, bool realtime, bool warmup)
    {
        var fake = new FakeGpioBackend();
        fake.AddChip(Chip, "bench", GpioLineRequestOptions.MaxLines);
        var options = new GpioLineRequestOptions("dpcpi-bench-lines");
        for (var i = 0; i < lines; i++)
        {
            options.Add(i, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling));
        }

        using var request = fake.RequestLines(Chip, options);
        using var controller = new EpollInterruptController();
        using var kernel = new DpcKernel(new KernelOptions { Realtime = realtime, MinimumDpcRate = 0, TimelineSeconds = 60 });
        long handled = 0;
        DeferredRoutine count = (_, _, _, _) => Interlocked.Increment(ref handled);
        var ring = new Dpc[InFlight * 2];
        for (var i = 0; i < ring.Length; i++)
        {
            ring[i] = kernel.InitializeDpc(count, null, "edge");
            ring[i].SetTargetProcessor(kernel.Processors[0]);
            ring[i].SetImportance(DpcImportance.MediumHigh); // a Medium DPC on another core would wait for a tick: none runs here
        }

        long next = 0;
        var source = new GpioInterruptSource(request);
        source.Register(controller, 1);
        kernel.ConnectInterrupt(1, (_, _, ref _) => kernel.InsertQueueDpc(ring[next++ % ring.Length]), null, source, Irql.Device, "lines");
        kernel.Start(controller);

        var total = warmup ? edges * 2 : edges; // the first round also warms the JIT, unmeasured
        var measuredFrom = total - edges;
        long wallStart = 0;
        var level = new bool[lines];
        var spin = default(SpinWait);
        var stuck = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 60);
        for (var k = 0; k < total; k++)
        {
            if (k == measuredFrom)
            {
                while (Volatile.Read(ref handled) < k && Stopwatch.GetTimestamp() < stuck)
                {
                    spin.SpinOnce();
                }

                wallStart = Stopwatch.GetTimestamp();
            }

            while (k - Volatile.Read(ref handled) >= InFlight)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                if (Stopwatch.GetTimestamp() > stuck)
                {
                    throw new InvalidOperationException($"many-lines bench: {k - Volatile.Read(ref handled)} edges on {lines} lines were not handled within a minute");
                }
            }

            var line = k % lines;
            level[line] = !level[line];
            fake.InjectEdge(Chip, line, level[line] ? PinEventTypes.Rising : PinEventTypes.Falling, Platform.MonotonicClock.NowNs);
        }

        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
        while (Volatile.Read(ref handled) < total && Stopwatch.GetTimestamp() < deadline)
        {
            spin.SpinOnce();
        }

        var wall = Stopwatch.GetElapsedTime(wallStart);
        kernel.Stop();
        return ((long)wall.TotalNanoseconds, total - Volatile.Read(ref handled) + request.TotalStatistics.Lost);
    }
}
