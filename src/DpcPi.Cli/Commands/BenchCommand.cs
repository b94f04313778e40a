using System.Globalization;
using DpcPi.Bench;
using DpcPi.Cli.CommandLine;
using DpcPi.Platform;
using DpcPi.Reporting;

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
                                   dpc-recorder (dpc-spin-then-block with the flight recorder on), direct, channel, threadpool, blocking-collection, raw-spin,
                                   raw-spin-stamped
          --json FILE              write {"results": [...]} (docs/bench-report.schema.json; with --lines
                                   also "many_lines", with --cyclictest "timer_vs_cyclictest")
          --lines LIST             also run the many-lines case: edges round-robin on each count of active lines
                                   of one request (e.g. 1,8,64; fake chip, epoll ISR path, one DPC per edge),
                                   same edges in flight for each, ns per edge and its ratio to the first count
          --cyclictest             also run the timer source beside cyclictest (rt-tests) at the same
                                   priority and interval and report our p99 as a ratio to cyclictest's
          -p, --priority N         SCHED_FIFO priority for the cyclictest comparison (default 80)
          -i, --interval US        interval for the cyclictest comparison (default 1000)
          -l, --loops N            loops for the cyclictest comparison (default 5000), shared by the
                                   rounds, which alternate whether our timer or cyclictest runs first
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
        var linesText = r.String(null, "lines");
        var priority = (int)(r.Integer("p", "priority", 1, 99) ?? 80);
        var intervalUs = (int)(r.Integer("i", "interval", 50, 1_000_000) ?? 1000);
        var loops = (int)(r.Integer("l", "loops", 10, 10_000_000) ?? 5000);
        r.EnsureEmpty();
        int[]? lines = null;
        if (linesText is not null)
        {
            lines = [.. linesText.Split(',', StringSplitOptions.TrimEntries).Select(t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)];
            if (lines.Length == 0 || lines.Any(n => n is < 1 or > Gpio.GpioLineRequestOptions.MaxLines))
            {
                throw r.Error($"--lines '{linesText}' is not valid; allowed: line counts from 1 to {Gpio.GpioLineRequestOptions.MaxLines}, comma-separated (e.g. 1,8,64)");
            }
        }

        if (contenders?.FirstOrDefault(c => !BenchOptions.AllContenders.Contains(c)) is { } unknown)
        {
            throw r.Error($"--contenders: '{unknown}' is not a contender; allowed: {string.Join(", ", BenchOptions.AllContenders)}");
        }

        OutputFile.Check(json, "--json"); // a bad path fails now, not after the run
        var preset = quick ? BenchOptions.Quick : BenchOptions.Full;
        var options = preset with { Realtime = realtime, Contenders = contenders, Rounds = rounds ?? preset.Rounds };
        var result = BenchRunner.Run(options, line => output.WriteLine(line), cancellationToken);
        output.Write(BenchTableRenderer.ToText(result));
        IReadOnlyList<LinesCaseResult>? scaling = null;
        if (lines is { Length: > 0 })
        {
            scaling = ManyLinesBench.Run(lines, quick ? 5_000 : 50_000, options.Rounds, realtime, cancellationToken);
            foreach (var line in ManyLinesBench.Format(scaling))
            {
                output.WriteLine(line);
            }
        }

        Dictionary<string, object?>? comparison = null;
        if (cyclictest)
        {
            comparison = CompareWithCyclictest(priority, intervalUs, loops, options.Rounds, output, cancellationToken);
        }

        if (json is not null)
        {
            OutputFile.Write(json, stream => BenchJsonWriter.Write(stream, result, scaling, comparison));
            output.WriteLine($"json: {json}");
        }

        return Task.FromResult(ExitCodes.Ok);
    }

    private static Dictionary<string, object?> CompareWithCyclictest(int priority, int intervalUs, int loops, int rounds, TextWriter output, CancellationToken token)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Create(inv, $"timer source vs cyclictest: -p {priority} -i {intervalUs} -l {loops}, in {rounds} rounds that alternate which runs first"));
        var c = TimerComparison.Create(priority, intervalUs).Run(loops, rounds, token);
        var isrP99 = c.EdgeToIsr.GetValueAtPercentile(99) / 1000.0;
        var dpcP99 = c.EdgeToDpc.GetValueAtPercentile(99) / 1000.0;
        var ours = new Dictionary<string, object?>
        {
            ["realtime"] = c.Guarantees?.Realtime,
            ["expiry_to_isr_p99_us"] = isrP99,
            ["expiry_to_dpc_p99_us"] = dpcP99,
            ["expiry_to_isr_max_us"] = c.EdgeToIsr.Max / 1000.0,
            ["expiry_to_dpc_max_us"] = c.EdgeToDpc.Max / 1000.0,
            ["steal_percent"] = c.OursStealPercent,
            ["overruns"] = c.Overruns,
            ["round_p99_us"] = c.OursRoundP99Us,
        };
        output.WriteLine(string.Create(inv, $"  DpcPi timer: expiry→ISR p99 {isrP99:F1} µs max {c.EdgeToIsr.Max / 1000.0:F1} µs; expiry→DPC p99 {dpcP99:F1} µs max {c.EdgeToDpc.Max / 1000.0:F1} µs ({c.Guarantees}; hypervisor steal {CpuTimes.Format(c.OursStealPercent)}; {c.Overruns} expiries merged into a late interrupt, which is stamped with the oldest)"));
        var ct = c.Cyclictest;
        if (!ct.Succeeded)
        {
            output.WriteLine($"  cyclictest: unavailable ({ct.Error ?? "not installed"}; apt-get install rt-tests)");
            return new() { ["rounds"] = rounds, ["ours"] = ours, ["cyclictest"] = null, ["error"] = ct.Error ?? "unavailable" };
        }

        output.WriteLine(string.Create(inv, $"  cyclictest {ct.Version}: p99 {ct.P99Us} µs max {ct.MaxUs} µs (hypervisor steal {CpuTimes.Format(c.CyclictestStealPercent)})  ({c.Theirs.Count} × {ct.CommandLine})"));
        output.WriteLine(string.Create(inv, $"  p99 by round, ours expiry→ISR / cyclictest (µs): {c.FormatRounds()}"));
        output.WriteLine("  " + CyclictestComparison.FormatP99(isrP99, ct) + "  [expiry→ISR, the figure cyclictest measures]");
        output.WriteLine(string.Create(inv, $"  our p99 expiry→DPC start / cyclictest p99 = {dpcP99:F1} µs / {ct.P99Us} µs = {dpcP99 / Math.Max(1, ct.P99Us ?? 1):F2}x  [the whole ISR→DPC path against cyclictest's wake-up]"));
        return new()
        {
            ["rounds"] = rounds,
            ["ours"] = ours,
            ["cyclictest"] = new Dictionary<string, object?> { ["version"] = ct.Version, ["p99_us"] = ct.P99Us, ["max_us"] = ct.MaxUs, ["command"] = ct.CommandLine, ["steal_percent"] = c.CyclictestStealPercent, ["round_p99_us"] = c.CyclictestRoundP99Us },
            ["ratio_isr_p99"] = ct.P99Us is > 0 ? isrP99 / ct.P99Us : null,
            ["ratio_dpc_p99"] = ct.P99Us is > 0 ? dpcP99 / ct.P99Us : null,
        };
    }
}
