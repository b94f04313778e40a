using System.Text.Json;
using DpcPi.Cli.CommandLine;

namespace DpcPi.Reliability.Tests;

public sealed class SoakCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Soak_SixSecondsTwoSecondWindows_TableVerdictAndGen2InSteadyStateReported()
    {
        var json = Path.Combine(Dpcpi.TempDir(), "soak.json");

        var (code, stdout, err) = await Dpcpi.RunAsync("soak", "--duration", "6s", "--window", "2s", "--source", "fake", "--no-realtime", "--json", json);

        output.WriteLine(stdout);
        Assert.Equal(string.Empty, err);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("soak: source fake, interval 1000 µs, duration 00:00:06, window 00:00:02;", lines[0], StringComparison.Ordinal);
        Assert.Equal("window   t(s)  interrupts  ws(MiB)  gen0  gen1  gen2  alloc(KiB)  p99(µs)  max(µs)", lines[1]);
        var rows = lines.Skip(2).TakeWhile(l => char.IsDigit(l[0])).ToArray();
        Assert.Equal(3, rows.Length);
        Assert.All(rows, r => Assert.Equal(10, r.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length));
        Assert.Contains(lines, l => l.StartsWith("steady state: windows 2..3", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("working set: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("gen2 collections in steady state: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("p99 drift: first steady window ", StringComparison.Ordinal));
        var verdict = Assert.Single(lines, l => l.StartsWith("verdict: ", StringComparison.Ordinal));
        Assert.Equal(verdict == "verdict: STABLE" ? ExitCodes.Ok : ExitCodes.Failed, code);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        var windows = root.GetProperty("windows").EnumerateArray().ToArray();
        Assert.Equal(3, windows.Length);
        Assert.All(windows, w =>
        {
            Assert.True(w.GetProperty("working_set_bytes").GetInt64() > 0);
            Assert.True(w.GetProperty("gen2").GetInt32() >= 0);
            Assert.True(w.GetProperty("window_count").GetInt64() > 0, "every window measured interrupts");
        });
        var v = root.GetProperty("verdict");
        Assert.Equal(windows[2].GetProperty("gen2").GetInt32() - windows[0].GetProperty("gen2").GetInt32(), v.GetProperty("gen2_in_steady_state").GetInt32());
        Assert.Equal(verdict != "verdict: STABLE", v.GetProperty("drift").GetBoolean());
        Assert.True(root.GetProperty("interrupts").GetInt64() > 1000);
    }

    [Fact]
    public async Task Soak_Analyze_PrintsWhyTheInterruptsOverTheThresholdWereLate()
    {
        // At 1 µs every interrupt is over the threshold: the flight recorder takes one apart each time it is polled.
        var (code, stdout, err) = await Dpcpi.RunAsync("soak", "--duration", "2s", "--window", "1s", "--source", "timer", "--no-realtime", "--analyze", "1");

        output.WriteLine(stdout);
        Assert.Equal(string.Empty, err);
        Assert.True(code is ExitCodes.Ok or ExitCodes.Failed, $"exit {code}");
        var lines = stdout.Split('\n', StringSplitOptions.TrimEntries);
        var verdict = Array.FindIndex(lines, l => l.StartsWith("verdict: ", StringComparison.Ordinal));
        var why = Array.FindIndex(lines, l => l.Contains("Why was it late: interrupts at or over 1 µs", StringComparison.Ordinal));
        Assert.True(why > verdict && verdict > 0, $"verdict at line {verdict}, attribution at {why}");
        var analysed = lines[why + 1];
        Assert.Matches(@"^analysed [1-9]\d*", analysed);
    }
}
