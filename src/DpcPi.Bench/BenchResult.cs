using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Bench;

/// <summary>A whole <c>dpcpi bench</c> run: every contender's result and the goals judged against them.</summary>
public sealed record BenchResult
{
    public const string RawFloor = "raw-spin";
    public const string DefaultDpc = "dpc-spin-then-block";

    /// <summary>The raw ring plus the queued and start clock reads every stage-timestamping hand-off makes.</summary>
    public const string StampedFloor = "raw-spin-stamped";

    public required string Mode { get; init; }

    public required int ProcessorCount { get; init; }

    public required IReadOnlyList<ContenderResult> Results { get; init; }

    public required IReadOnlyList<string> Notes { get; init; }

    public ContenderResult? this[string name] => Results.FirstOrDefault(r => r.Name == name);

    /// <summary><paramref name="value"/> / raw-spin's figure; null without a raw-spin result.</summary>
    public double? RatioToRaw(ContenderResult r, Func<ContenderResult, long> figure)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(figure);
        var raw = this[RawFloor];
        return raw is null || figure(raw) == 0 ? null : (double)figure(r) / figure(raw);
    }

    /// <summary>The goals: DPC p50 ≤ 1.5× raw floor, DPC p99 ≤ best queue, ≥ 2 M/s with nothing lost, 0 bytes per interrupt.</summary>
    public IReadOnlyList<BenchGoal> Goals
    {
        get
        {
            var goals = new List<BenchGoal>();
            var dpc = this[DefaultDpc];
            var raw = this[RawFloor];
            if (dpc is null)
            {
                return goals;
            }

            if (raw is not null)
            {
                var ratio = RatioToRaw(dpc, r => r.P50Ns);
                var stamped = this[StampedFloor];
                var stampedDetail = stamped is null || stamped.P50Ns == 0 ? string.Empty
                    : $" (vs {StampedFloor}, the floor with the two stage timestamps, {stamped.P50Ns} ns = {Fmt((double)dpc.P50Ns / stamped.P50Ns)}x)";
                goals.Add(new BenchGoal("DPC p50 <= 1.5x raw floor (default strategy)", ratio is <= 1.5,
                    $"{DefaultDpc} p50 {dpc.P50Ns} ns vs raw-spin {raw.P50Ns} ns = {Fmt(ratio)}x{stampedDetail}{RoundRatios(dpc, raw)}{Steal(dpc, raw)}"));
            }

            var queues = Results.Where(r => r.Name is "channel" or "threadpool" or "blocking-collection").ToArray();
            if (queues.Length > 0)
            {
                var best = queues.MinBy(q => q.P99Ns)!;
                goals.Add(new BenchGoal("DPC p99 <= best of channel/threadpool/blocking-collection", dpc.P99Ns <= best.P99Ns,
                    $"{DefaultDpc} p99 {dpc.P99Ns} ns vs {best.Name} {best.P99Ns} ns{Steal(dpc, best)}"));
            }

            goals.Add(new BenchGoal($">= 2 M interrupts/s on {ProcessorCount} cores, nothing lost", dpc.ThroughputPerSecond >= 2_000_000 && dpc.NothingLost,
                $"{DefaultDpc} {dpc.ThroughputPerSecond / 1e6:0.00} M/s, produced {dpc.ThroughputProduced}, handled {dpc.ThroughputHandled}, lost {dpc.Lost + dpc.ThroughputLost}{Steal(dpc)}"));
            goals.Add(new BenchGoal("0 bytes per interrupt", dpc.BytesPerInterrupt < 0.005,
                $"{DefaultDpc} {dpc.BytesPerInterrupt:0.0000} B/interrupt (process-wide GC.GetTotalAllocatedBytes delta / events)"));
            return goals;
        }
    }

    /// <summary>"; hypervisor steal: dpc-spin-then-block 12.3%, raw-spin 8.0%" when a compared contender ran under noticeable steal.</summary>
    private static string Steal(params ContenderResult[] compared) =>
        compared.Any(r => r.StealPercent >= CpuTimes.StealWorthNoting)
            ? "; hypervisor steal: " + string.Join(", ", compared.Select(r => $"{r.Name} {CpuTimes.Format(r.StealPercent)}"))
            : string.Empty;

    /// <summary>"; by round: 1.41x 1.52x ..." when the run had rounds (each ratio within one round).</summary>
    private static string RoundRatios(ContenderResult r, ContenderResult floor)
    {
        var n = Math.Min(r.RoundP50Ns.Count, floor.RoundP50Ns.Count);
        if (n < 2)
        {
            return string.Empty;
        }

        var ratios = Enumerable.Range(0, n).Select(i => floor.RoundP50Ns[i] == 0 ? "n/a" : Fmt((double)r.RoundP50Ns[i] / floor.RoundP50Ns[i]) + "x");
        return $"; by round: {string.Join(" ", ratios)}";
    }

    private static string Fmt(double? v) => v is null ? "n/a" : v.Value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    internal static string StrategyName(DpcWaitStrategy s) => s switch
    {
        DpcWaitStrategy.Blocking => "dpc-blocking",
        DpcWaitStrategy.BusySpin => "dpc-busy-spin",
        _ => "dpc-spin-then-block",
    };
}
