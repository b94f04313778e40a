using System.Text.Json;
using DpcPi.TestSupport;

namespace DpcPi.Cli.Tests;

/// <summary>`dpcpi latency --break` and `--analyze`: the trace file, the exit code and the report's attribution.</summary>
public sealed class FlightRecorderCommandTests
{
    [Fact]
    public async Task Latency_BreakReached_WritesAChromeTraceWithTheCulpritAndExits7()
    {
        var dir = Directory.CreateTempSubdirectory("dpcpi-break-");
        try
        {
            var trace = Path.Combine(dir.FullName, "break.json");
            // 1 µs: every interrupt reaches it, so the run stops at its first one, long before -D.
            var (code, output, err, json) = await CliRunner.RunWithJsonAsync(
                "latency", "--break", "1", "--analyze", "1", "--trace", trace, "-D", "30s", "-q", "--no-realtime", "--no-warmup");

            Assert.True(code == 7, $"exit {code}: {err}");
            Assert.Contains("trace: " + trace, output, StringComparison.Ordinal);
            using var doc = JsonDocument.Parse(File.ReadAllText(trace));
            var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToArray();
            Assert.Contains(events, e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name");
            var slices = events.Where(e => e.GetProperty("ph").GetString() == "X").ToArray();
            Assert.NotEmpty(slices);
            foreach (var s in slices)
            {
                Assert.True(s.GetProperty("dur").GetDouble() >= 0);
                Assert.True(s.GetProperty("ts").GetDouble() > 0);
                _ = s.GetProperty("pid").GetInt32();
                _ = s.GetProperty("tid").GetInt32();
                Assert.False(string.IsNullOrEmpty(s.GetProperty("name").GetString()));
            }

            // Each track's slices in time order, none overlapping a later one unless nested inside it.
            foreach (var track in slices.GroupBy(s => (s.GetProperty("pid").GetInt32(), s.GetProperty("tid").GetInt32())))
            {
                var ts = track.Select(s => s.GetProperty("ts").GetDouble()).ToArray();
                Assert.Equal(ts.Order(), ts);
            }

            // The culprit: one slice, the late DPC, the last DPC run recorded (the recorder froze on it), over 1 µs.
            var culprit = Assert.Single(slices, s => s.GetProperty("args").TryGetProperty("culprit", out var c) && c.GetBoolean());
            Assert.StartsWith("LATE ", culprit.GetProperty("name").GetString(), StringComparison.Ordinal);
            Assert.Equal("dpc", culprit.GetProperty("cat").GetString());
            Assert.True(culprit.GetProperty("args").GetProperty("edge_to_start_ns").GetInt64() >= 1_000);
            var lastDpc = slices.Where(s => s.GetProperty("cat").GetString() == "dpc").MaxBy(s => s.GetProperty("ts").GetDouble());
            Assert.Equal(culprit.GetProperty("ts").GetDouble(), lastDpc.GetProperty("ts").GetDouble());

            // The report explains it, and stays schema-valid with its attribution.
            using var report = json!;
            Assert.Empty(JsonSchemaValidator.Validate(JsonSchemaValidator.LoadSchema("latency-report.schema.json"), report.RootElement));
            var attribution = report.RootElement.GetProperty("attribution");
            Assert.Equal(1, attribution.GetProperty("analysed").GetInt64());
            var outlier = attribution.GetProperty("outliers")[0];
            Assert.Equal(outlier.GetProperty("latency_ns").GetInt64(), outlier.GetProperty("parts").EnumerateArray().Sum(p => p.GetProperty("ns").GetInt64()));
            Assert.Contains("Why was it late", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public static TheoryData<string[], string> BadFlags => new()
    {
        { ["latency", "--break-continue"], "dpcpi latency: --break-continue needs --break US" },
        { ["latency", "--trace", "t.json"], "dpcpi latency: --trace needs --break US" },
        { ["latency", "--analyze", "0"], "dpcpi latency: --analyze '0' is not valid" },
        { ["latency", "--break", "100", "--flight-events", "1000"], "dpcpi latency: --flight-events 1000 is not valid; allowed: a power of two" },
        { ["latency", "--break", "100", "--trace", "/dev/null/t.json"], "dpcpi latency: --trace" },
    };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public async Task Latency_BadFlightRecorderFlag_OneLineErrorAndExit2(string[] args, string message)
    {
        var (code, _, err) = await CliRunner.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith(message, err, StringComparison.Ordinal);
    }
}
