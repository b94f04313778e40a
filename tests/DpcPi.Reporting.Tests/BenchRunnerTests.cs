using System.Text.Json;
using DpcPi.Bench;

namespace DpcPi.Reporting.Tests;

[Collection(nameof(BenchCollection))]
public sealed class BenchRunnerTests
{
    [Fact]
    public void Run_QuickMode_EveryContenderHandlesEverythingAndJsonValidates()
    {
        var result = BenchRunner.Run(BenchOptions.Quick, m => TestContext.Current.TestOutputHelper?.WriteLine(m), TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(BenchTableRenderer.ToText(result));

        Assert.Equal(BenchOptions.AllContenders, result.Results.Select(r => r.Name));
        Assert.Equal(9, result.Results.Count);
        Assert.All(result.Results, r =>
        {
            Assert.Equal(BenchOptions.Quick.LatencyEvents, r.Count);
            Assert.Equal(0, r.Lost);
            Assert.True(r.ThroughputProduced > 0, $"{r.Name}: nothing produced in the throughput phase");
            Assert.Equal(r.ThroughputProduced, r.ThroughputHandled);
            Assert.True(r.MaxNs >= r.P50Ns);
        });

        var json = BenchJsonWriter.ToJson(result);
        using var doc = JsonDocument.Parse(json);
        Assert.Empty(JsonSchemaValidator.Validate(JsonSchemaValidator.LoadSchema("bench-report.schema.json"), doc.RootElement));
        Assert.Equal(9, doc.RootElement.GetProperty("results").GetArrayLength());
        Assert.Equal(4, doc.RootElement.GetProperty("goals").GetArrayLength());
    }
}

/// <summary>The bench measures the machine: it runs alone, never beside other test classes.</summary>
[CollectionDefinition(nameof(BenchCollection), DisableParallelization = true)]
public sealed class BenchCollection;
