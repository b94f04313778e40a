using System.Text.Json;
using DpcPi.Bench;
using DpcPi.Cli.Commands;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Cli.Tests;

public sealed class TimerComparisonTests
{
    [Fact]
    public void Run_FourRounds_AlternatesWhichSideRunsFirstAndSharesTheLoops()
    {
        var calls = new List<string>();
        var comparison = new TimerComparison(
            (loops, _) =>
            {
                calls.Add($"ours {loops}");
                return Ours(latencyUs: 10, count: loops);
            },
            loops =>
            {
                calls.Add($"cyclictest {loops}");
                return Theirs(latencyUs: 20, count: loops);
            });

        comparison.Run(loops: 1_001, rounds: 4, TestContext.Current.CancellationToken);

        Assert.Equal(
            ["ours 250", "cyclictest 250", "cyclictest 250", "ours 250", "ours 250", "cyclictest 250", "cyclictest 251", "ours 251"],
            calls);
    }

    [Fact]
    public void Run_RoundsAtDifferentMoments_PoolsEachSidesRoundsAndKeepsTheirP99s()
    {
        // The host drifts: the second round is slow for both sides. Pooled, each side's p99 is that of all its samples.
        var round = 0;
        var theirRound = 0;
        var comparison = new TimerComparison(
            (loops, _) => Ours(latencyUs: round++ == 0 ? 10 : 1_000, count: loops, overruns: 2),
            loops => Theirs(latencyUs: theirRound++ == 0 ? 20 : 2_000, count: loops));

        var result = comparison.Run(loops: 200, rounds: 2, TestContext.Current.CancellationToken);

        Assert.Equal(200, result.EdgeToIsr.TotalCount);
        Assert.Equal(4, result.Overruns);
        Assert.Equal([10.0, 1_000.0], result.OursRoundP99Us.Select(p => Math.Round(p)));
        Assert.Equal([20L, 2_000L], result.CyclictestRoundP99Us.Select(p => p!.Value));
        Assert.InRange(result.EdgeToIsr.GetValueAtPercentile(99) / 1000.0, 999, 1_001);
        Assert.Equal(2_000, result.Cyclictest.P99Us);
        Assert.Equal(200, result.Cyclictest.Merged()!.Cycles);
        Assert.Equal(50.0, result.OursStealPercent); // ticks added over the rounds: (5 + 5) / (10 + 10)
        Assert.Equal(10.0, result.CyclictestStealPercent);
    }

    [Fact]
    public void Run_CyclictestFails_StopsAndReportsItsError()
    {
        var ours = 0;
        var comparison = new TimerComparison(
            (loops, _) =>
            {
                ours++;
                return Ours(10, loops);
            },
            _ => new TimerComparison.TheirRound(new CyclictestResult { Available = false, Error = "cyclictest is unavailable" }, null));

        var result = comparison.Run(loops: 400, rounds: 4, TestContext.Current.CancellationToken);

        Assert.Equal(1, ours);
        Assert.False(result.Cyclictest.Succeeded);
        Assert.Equal("cyclictest is unavailable", result.Cyclictest.Error);
    }

    [Fact]
    public async Task Bench_CyclictestInTwoRounds_WritesPooledFiguresAndEachRoundsP99()
    {
        var (code, output, err, json) = await CliRunner.RunWithJsonAsync("bench", "--quick", "--contenders", "direct", "--cyclictest", "-i", "1000", "-l", "200", "--rounds", "2");

        Assert.True(code == 0, err);
        Assert.Contains("in 2 rounds that alternate which runs first", output, StringComparison.Ordinal);
        using var doc = json!;
        Assert.Empty(DpcPi.TestSupport.JsonSchemaValidator.Validate(DpcPi.TestSupport.JsonSchemaValidator.LoadSchema("bench-report.schema.json"), doc.RootElement));
        var c = doc.RootElement.GetProperty("timer_vs_cyclictest");
        Assert.Equal(2, c.GetProperty("rounds").GetInt32());
        var ours = c.GetProperty("ours");
        Assert.True(ours.GetProperty("expiry_to_isr_p99_us").GetDouble() > 0);
        if (c.GetProperty("cyclictest").ValueKind == JsonValueKind.Null)
        {
            // Not installed: it says how to get it, and the comparison stopped after our first round.
            Assert.Contains("apt-get install rt-tests", output, StringComparison.Ordinal);
            Assert.Equal(1, ours.GetProperty("round_p99_us").GetArrayLength());
            return;
        }

        Assert.Equal(2, ours.GetProperty("round_p99_us").GetArrayLength());

        Assert.Equal(2, c.GetProperty("cyclictest").GetProperty("round_p99_us").GetArrayLength());
        Assert.Equal(JsonValueKind.Number, c.GetProperty("ratio_isr_p99").ValueKind);
    }

    private static TimerComparison.OursRound Ours(long latencyUs, int count, long overruns = 0)
    {
        var isr = new LatencyHistogram();
        var dpc = new LatencyHistogram();
        for (var i = 0; i < count; i++)
        {
            isr.Record(latencyUs * 1000);
            dpc.Record((latencyUs + 1) * 1000);
        }

        return new TimerComparison.OursRound(isr, dpc, overruns, null, new CpuTimes(10, 5));
    }

    private static TimerComparison.TheirRound Theirs(long latencyUs, int count)
    {
        var buckets = new long[latencyUs + 1];
        buckets[latencyUs] = count;
        var thread = new CyclictestThread { Index = 0, Cycles = count, MinUs = latencyUs, AvgUs = latencyUs, MaxUs = latencyUs, Histogram = buckets };
        return new TimerComparison.TheirRound(new CyclictestResult { Available = true, Version = "2.40", CommandLine = "cyclictest", Threads = [thread] }, new CpuTimes(10, 1));
    }
}
