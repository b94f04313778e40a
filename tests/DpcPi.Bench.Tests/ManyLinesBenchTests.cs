using DpcPi.Bench;

namespace DpcPi.Bench.Tests;

/// <summary>The many-lines case runs every edge through the fake chip, the epoll ISR path and a DPC, for each line count.</summary>
public sealed class ManyLinesBenchTests
{
    [Fact]
    public void Run_TwoLineCountsTwoRounds_EveryEdgeHandledForEachCount()
    {
        var results = ManyLinesBench.Run([1, 8], edgesPerRound: 400, rounds: 2, realtime: false, TestContext.Current.CancellationToken);

        Assert.Equal([1, 8], results.Select(r => r.Lines));
        Assert.All(results, r =>
        {
            Assert.Equal(800, r.Edges);
            Assert.Equal(0, r.Lost);
            Assert.True(r.NsPerEdge > 0);
        });
    }

    [Fact]
    public void Format_Results_GivesEachCountAsAMultipleOfTheFirst()
    {
        var lines = ManyLinesBench.Format([new LinesCaseResult(1, 100, 1000, 0), new LinesCaseResult(64, 100, 1500, 0)]).ToList();

        Assert.Contains(lines, l => l.Contains("   64", StringComparison.Ordinal) && l.Contains("1.50x", StringComparison.Ordinal));
    }
}
