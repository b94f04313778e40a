using System.Globalization;
using System.Text.Json;
using DpcPi.Bench;
using DpcPi.Cli.CommandLine;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Labs.Latency;
using DpcPi.Platform;

namespace DpcPi.Cli.Commands;

/// <summary>
/// `dpcpi bench`: the same ISR→handler hand-off through the DPC kernel (each wait strategy) and the
/// usual .NET alternatives against a raw spinning floor; optionally the timer source beside cyclictest.
/// Figures, never pass/fail: goals are printed as met or not met.
/// </summary>
internal sealed class BenchCommand : ICommand
{
    public string Name => "bench";

    public string Summary => "benchmark the ISR→DPC hand-off against Channel, ThreadPool, BlockingCollection and a raw spin; timer vs cyclictest";

    public string Usage => """
        usage: dpcpi bench [options]

          --quick                  small run (~5 s) instead of the full one (~1-2 min)
          --rounds N               split the run into N rounds, each running every contender in a rotated
                                   order, and pool them (default 4 full, 1 quick): a host whose speed
                                   drifts then favours no contender
          --realtime               run producer and consumers SCHED_FIFO (needs CAP_SYS_NICE; holds both cores)
          --contenders LIST        comma-separated subset of: dpc-blocking, dpc-spin-then-block, dpc-busy-spin,
                                   direct, channel, threadpool, blocking-collection, raw-spin,
                                   raw-spin-stamped
          --json FILE              write {"results": [...]} (docs/bench-report.schema.json)
          --cyclictest             also run the timer source beside cyclictest (rt-tests) at the same
                                   priority and interval and report our p99 as a ratio to cyclictest's
          -p, --priority N         SCHED_FIFO priority for the cyclictest comparison (default 80)
          -i, --interval US        interval for the cyclictest comparison (default 1000)
          -l, --loops N            loops for the cyclictest comparison (default 5000)
        """;

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var r = new ArgReader(Name, args);
        var quick = r.Flag(null, "quick");
        var realtime = r.Flag(null, "realtime");
        var rounds = (int?)r.Integer(null, "rounds", 1, 100);
        var contenders = r.String(null, "contenders")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var json = r.String(null, "json");
        var cyclictest = r.Flag(null, "cyclictest");
        var priority = (int)(r.Integer("p", "priority", 1, 99) ?? 80);
        var intervalUs = (int)(r.Integer("i", "interval", 50, 1_000_000) ?? 1000);
        var loops = (int)(r.Integer("l", "loops", 10, 10_000_000) ?? 5000);
        r.EnsureEmpty();
        if (contenders?.FirstOrDefault(c => !BenchOptions.AllContenders.Contains(c)) is { } unknown)
        {
            throw r.Error($"--contenders: '{unknown}' is not a contender; allowed: {string.Join(", ", BenchOptions.AllContenders)}");
        }

        var preset = quick ? BenchOptions.Quick : BenchOptions.Full;
        var options = preset with { Realtime = realtime, Contenders = contenders, Rounds = rounds ?? preset.Rounds };
        var result = BenchRunner.Run(options, line => output.WriteLine(line), cancellationToken);
        output.Write(BenchTableRenderer.ToText(result));
        Dictionary<string, object?>? comparison = null;
        if (cyclictest)
        {
            comparison = CompareWithCyclictest(priority, intervalUs, loops, output, cancellationToken);
        }

        if (json is not null)
        {
            using (var stream = File.Create(json))
            {
                BenchJsonWriter.Write(stream, result);
            }

            if (comparison is not null)
            {
                // Extend, never rename: the comparison goes beside "results".
                var doc = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(json))!;
                var merged = doc.ToDictionary(kv => kv.Key, kv => (object?)kv.Value);
                merged["timer_vs_cyclictest"] = comparison;
                File.WriteAllText(json, JsonSerializer.Serialize(merged, new JsonSerializerOptions { WriteIndented = true }));
            }

            output.WriteLine($"json: {json}");
        }

        return Task.FromResult(ExitCodes.Ok);
    }

    /// <summary>The steal share of the CPUs' time between two readings, rounded to 0.01%; null when either is unknown.</summary>
    private static double? Steal(CpuTimes? before, CpuTimes? after) =>
        CpuTimes.Between(before, after)?.StealPercent is { } p ? Math.Round(p, 2) : null;

    private static Dictionary<string, object?> CompareWithCyclictest(int priority, int intervalUs, int loops, TextWriter output, CancellationToken token)
    {
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timer source vs cyclictest: -p {priority} -i {intervalUs} -l {loops}"));
        var kernel = new KernelOptions { IsrPriority = priority, DpcPriority = Math.Max(1, priority - 1), ThreadedDpcPriority = Math.Max(1, priority - 10) };
        var cpus = ThreadControl.GetAllowedCpus();
        using var session = new LatencySession(new LatencySessionOptions { Source = LatencySource.Timer, IntervalNs = intervalUs * 1000L, Loops = loops, Kernel = kernel });
        var before = CpuTimes.Read(cpus);
        session.Start(token);
        session.Wait(token);
        session.Stop();
        var oursSteal = Steal(before, CpuTimes.Read(cpus));
        var edgeToIsr = session.Kernel.MergeStage(LatencyStage.EdgeToIsr);
        var edgeToDpc = session.Kernel.MergeStage(LatencyStage.EdgeToDpcStart);
        before = CpuTimes.Read(cpus);
        var ct = CyclictestComparison.Run(priority, intervalUs, loops);
        var cyclictestSteal = Steal(before, CpuTimes.Read(cpus));
        var ours = new Dictionary<string, object?>
        {
            ["realtime"] = session.Kernel.Guarantees.Realtime,
            ["expiry_to_isr_p99_us"] = edgeToIsr.GetValueAtPercentile(99) / 1000.0,
            ["expiry_to_dpc_p99_us"] = edgeToDpc.GetValueAtPercentile(99) / 1000.0,
            ["expiry_to_isr_max_us"] = edgeToIsr.Max / 1000.0,
            ["expiry_to_dpc_max_us"] = edgeToDpc.Max / 1000.0,
            ["steal_percent"] = oursSteal,
            ["overruns"] = session.TimerOverruns,
        };
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  DpcPi timer: expiry→ISR p99 {edgeToIsr.GetValueAtPercentile(99) / 1000.0:F1} µs max {edgeToIsr.Max / 1000.0:F1} µs; expiry→DPC p99 {edgeToDpc.GetValueAtPercentile(99) / 1000.0:F1} µs max {edgeToDpc.Max / 1000.0:F1} µs ({session.Kernel.Guarantees}; hypervisor steal {CpuTimes.Format(oursSteal)}; {session.TimerOverruns} expiries merged into a late interrupt, which is stamped with the oldest)"));
        if (!ct.Succeeded)
        {
            output.WriteLine($"  cyclictest: unavailable ({ct.Error ?? "not installed"}; apt-get install rt-tests)");
            return new() { ["ours"] = ours, ["cyclictest"] = null, ["error"] = ct.Error ?? "unavailable" };
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  cyclictest {ct.Version}: p99 {ct.P99Us} µs max {ct.MaxUs} µs (hypervisor steal {CpuTimes.Format(cyclictestSteal)})  ({ct.CommandLine})"));
        output.WriteLine("  " + CyclictestComparison.FormatP99(edgeToIsr.GetValueAtPercentile(99) / 1000.0, ct) + "  [expiry→ISR, the figure cyclictest measures]");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  our p99 expiry→DPC start / cyclictest p99 = {edgeToDpc.GetValueAtPercentile(99) / 1000.0:F1} µs / {ct.P99Us} µs = {edgeToDpc.GetValueAtPercentile(99) / 1000.0 / Math.Max(1, ct.P99Us ?? 1):F2}x  [the whole ISR→DPC path against cyclictest's wake-up]"));
        return new()
        {
            ["ours"] = ours,
            ["cyclictest"] = new Dictionary<string, object?> { ["version"] = ct.Version, ["p99_us"] = ct.P99Us, ["max_us"] = ct.MaxUs, ["command"] = ct.CommandLine, ["steal_percent"] = cyclictestSteal },
            ["ratio_isr_p99"] = ct.P99Us is > 0 ? edgeToIsr.GetValueAtPercentile(99) / 1000.0 / ct.P99Us : null,
            ["ratio_dpc_p99"] = ct.P99Us is > 0 ? edgeToDpc.GetValueAtPercentile(99) / 1000.0 / ct.P99Us : null,
        };
    }
}
