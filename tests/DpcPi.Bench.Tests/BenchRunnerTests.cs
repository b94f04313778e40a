using System.Text.Json;
using DpcPi.Bench;
using DpcPi.TestSupport;

namespace DpcPi.Bench.Tests;

[Collection(nameof(BenchCollection))]
public sealed class BenchRunnerTests
{
    [Fact]
    public void Run_QuickMode_EveryContenderHandlesEverythingAndJsonValidates()
    {
        var result = BenchRunner.Run(BenchOptions.Quick, m => TestContext.Current.TestOutputHelper?.WriteLine(m), TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(BenchTableRenderer.ToText(result));

        Assert.Equal(BenchOptions.AllContenders, result.Results.Select(r => r.Name));
        Assert.Equal(10, result.Results.Count);
        Assert.All(result.Results, r =>
        {
            Assert.Equal(BenchOptions.Quick.LatencyEvents, r.Count);
            Assert.Equal(0, r.Lost);
            Assert.True(r.ThroughputProduced > 0, $"{r.Name}: nothing produced in the throughput phase");
            Assert.Equal(r.ThroughputProduced, r.ThroughputHandled);
            Assert.True(r.MaxNs >= r.P50Ns);
            if (File.Exists("/proc/stat"))
            {
                Assert.InRange(r.StealPercent!.Value, 0, 100); // read from /proc/stat around each round
            }
        });

        var json = BenchJsonWriter.ToJson(result);
        using var doc = JsonDocument.Parse(json);
        Assert.Empty(JsonSchemaValidator.Validate(JsonSchemaValidator.LoadSchema("bench-report.schema.json"), doc.RootElement));
        Assert.Equal(10, doc.RootElement.GetProperty("results").GetArrayLength());
        Assert.Equal(4, doc.RootElement.GetProperty("goals").GetArrayLength());
    }

    [Fact]
    public void Run_ThreeRounds_PoolsEveryRoundAndRotatesTheOrder()
    {
        var options = BenchOptions.Quick with { Rounds = 3, LatencyEvents = 1_000, Contenders = ["raw-spin", "dpc-spin-then-block"] };
        var progress = new List<string>();

        var result = BenchRunner.Run(options, progress.Add, TestContext.Current.CancellationToken);

        Assert.All(result.Results, r =>
        {
            Assert.Equal(1_000, r.Count); // the rounds' shares add up to the whole latency phase
            Assert.Equal(3, r.RoundP50Ns.Count);
            Assert.All(r.RoundP50Ns, p => Assert.True(p > 0));
            Assert.Equal(r.ThroughputProduced, r.ThroughputHandled);
        });
        var starts = progress.Where(l => l.EndsWith(" ...", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            ["bench: round 1/3: raw-spin ...", "bench: round 1/3: dpc-spin-then-block ...",
             "bench: round 2/3: dpc-spin-then-block ...", "bench: round 2/3: raw-spin ...",
             "bench: round 3/3: raw-spin ...", "bench: round 3/3: dpc-spin-then-block ..."],
            starts);
        Assert.Contains("; by round: ", result.Goals[0].Detail, StringComparison.Ordinal);

        // The kernel's own queued→start stage lies inside each event's end-to-end latency, so at every percentile it is lower.
        var dpc = result["dpc-spin-then-block"]!;
        Assert.NotNull(dpc.QueueWaitP50Ns);
        Assert.Equal(dpc.Count, dpc.QueueWaitCount); // each phase's stage holds its own events: none from the warm-up, none missed
        Assert.InRange(dpc.QueueWaitP50Ns!.Value, 1, dpc.P50Ns);
        Assert.InRange(dpc.QueueWaitP99Ns!.Value, dpc.QueueWaitP50Ns.Value, dpc.P99Ns);
        Assert.Null(result["raw-spin"]!.QueueWaitP50Ns);
        using var doc = JsonDocument.Parse(BenchJsonWriter.ToJson(result));
        Assert.Empty(JsonSchemaValidator.Validate(JsonSchemaValidator.LoadSchema("bench-report.schema.json"), doc.RootElement));
        Assert.Equal(3, doc.RootElement.GetProperty("results")[0].GetProperty("round_p50_ns").GetArrayLength());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    public void Run_SmallInFlightLimit_ProducerNeverRunsAheadOfTheConsumer(int limit)
    {
        // A DPC contender's burst cycles through a ring of exactly `limit` DPCs: one event more in flight would
        // reinsert a DPC that is still queued, which coalesces, and that event is never handled.
        var options = BenchOptions.Quick with { InFlightLimit = limit, LatencyEvents = 200, DrainTimeout = TimeSpan.FromSeconds(2), Contenders = ["dpc-blocking", "dpc-spin-then-block"] };

        var result = BenchRunner.Run(options, _ => { }, TestContext.Current.CancellationToken);

        Assert.All(result.Results, r =>
        {
            Assert.True(r.ThroughputProduced > limit * 10, $"{r.Name}: {r.ThroughputProduced} produced");
            Assert.Equal(r.ThroughputProduced, r.ThroughputHandled);
        });
    }
}

/// <summary>The bench measures the machine: it runs alone, never beside other test classes.</summary>
[CollectionDefinition(nameof(BenchCollection), DisableParallelization = true)]
public sealed class BenchCollection;
