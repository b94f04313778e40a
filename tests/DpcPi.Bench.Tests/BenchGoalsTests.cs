using DpcPi.Bench;

namespace DpcPi.Bench.Tests;

public sealed class BenchGoalsTests
{
    [Fact]
    public void Goals_FromFigures_JudgeEachGoalAndNameTheStampedFloor()
    {
        var result = Result("full", [
            Figures("raw-spin", p50: 500, p99: 800, perSecond: 10e6),
            Figures("raw-spin-stamped", p50: 700, p99: 1_000, perSecond: 8e6),
            Figures("dpc-spin-then-block", p50: 1_000, p99: 2_500, perSecond: 2.1e6),
            Figures("threadpool", p50: 1_500, p99: 3_000, perSecond: 2e6),
            Figures("blocking-collection", p50: 1_400, p99: 2_400, perSecond: 1e6, bytes: 64),
        ]);

        var goals = result.Goals;

        Assert.Equal([false, false, true, true], goals.Select(g => g.Met));
        Assert.Equal("dpc-spin-then-block p50 1000 ns vs raw-spin 500 ns = 2.00x (vs raw-spin-stamped, the floor with the two stage timestamps, 700 ns = 1.43x)", goals[0].Detail);
        Assert.Equal("dpc-spin-then-block p99 2500 ns vs blocking-collection 2400 ns", goals[1].Detail);
    }

    [Fact]
    public void Goals_WithoutStampedFloor_SayOnlyTheRawRatio()
    {
        var result = Result("quick", [Figures("raw-spin", p50: 600, p99: 900, perSecond: 9e6), Figures("dpc-spin-then-block", p50: 800, p99: 1_200, perSecond: 2.5e6)]);

        var p50 = result.Goals[0];

        Assert.True(p50.Met);
        Assert.Equal("dpc-spin-then-block p50 800 ns vs raw-spin 600 ns = 1.33x", p50.Detail);
    }

    [Fact]
    public void Goals_ComparedContenderRanUnderSteal_DetailSaysHowMuchForEachSide()
    {
        var result = Result("full", [
            Figures("raw-spin", p50: 600, p99: 900, perSecond: 9e6) with { StealPercent = 0.4 },
            Figures("dpc-spin-then-block", p50: 800, p99: 1_200, perSecond: 2.5e6) with { StealPercent = 12.34 },
            Figures("threadpool", p50: 1_500, p99: 3_000, perSecond: 2e6) with { StealPercent = 0.2 },
        ]);

        var goals = result.Goals;

        Assert.EndsWith("; hypervisor steal: dpc-spin-then-block 12.3%, raw-spin 0.4%", goals[0].Detail, StringComparison.Ordinal);
        Assert.EndsWith("; hypervisor steal: dpc-spin-then-block 12.3%, threadpool 0.2%", goals[1].Detail, StringComparison.Ordinal);
        Assert.EndsWith("; hypervisor steal: dpc-spin-then-block 12.3%", goals[2].Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("steal", goals[3].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Goals_StealBelowOnePercentOrUnknown_DetailLeavesItOut()
    {
        var result = Result("full", [
            Figures("raw-spin", p50: 600, p99: 900, perSecond: 9e6) with { StealPercent = null },
            Figures("dpc-spin-then-block", p50: 800, p99: 1_200, perSecond: 2.5e6) with { StealPercent = 0.9 },
        ]);

        Assert.All(result.Goals, g => Assert.DoesNotContain("steal", g.Detail, StringComparison.Ordinal));
    }

    private static BenchResult Result(string mode, ContenderResult[] results) => new()
    {
        Mode = mode,
        ProcessorCount = 2,
        Notes = [],
        Results = results,
    };

    private static ContenderResult Figures(string name, long p50, long p99, double perSecond, double bytes = 0) => new()
    {
        Name = name,
        Count = 1_000,
        MinNs = p50 / 2,
        AvgNs = p50,
        P50Ns = p50,
        P90Ns = p50,
        P99Ns = p99,
        P999Ns = p99,
        MaxNs = p99 * 2,
        Lost = 0,
        ThroughputPerSecond = perSecond,
        ThroughputProduced = 1_000_000,
        ThroughputHandled = 1_000_000,
        BytesPerInterrupt = bytes,
    };
}
