using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using DpcPi.Kernel.Measurement;
using DpcPi.TestSupport;

namespace DpcPi.Reporting.Tests;

public sealed class ReportFormatTests
{
    [Fact]
    public void LatencyJson_ManualScenario_ValidatesAgainstSchemaAndHasRequiredKeys()
    {
        using var s = new ReportScenario();
        var json = LatencyJsonWriter.ToJson(s.Report(histogramLimitUs: 100));
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;

        Assert.Empty(JsonSchemaValidator.Validate(JsonSchemaValidator.LoadSchema("latency-report.schema.json"), root));
        foreach (var key in new[] { "guarantees", "stages", "lost", "merged", "coalesced", "watchdog" })
        {
            Assert.True(root.TryGetProperty(key, out _), key);
        }

        var g = root.GetProperty("guarantees");
        Assert.Equal((false, false, false), (g.GetProperty("realtime").GetBoolean(), g.GetProperty("pinned").GetBoolean(), g.GetProperty("mlocked").GetBoolean()));
        var e2d = root.GetProperty("stages").GetProperty("edge_to_dpc_start");
        Assert.Equal(100, e2d.GetProperty("count").GetInt64());
        Assert.Equal(ReportScenario.Latency(0), e2d.GetProperty("min_ns").GetInt64());
        Assert.Equal(ReportScenario.Latency(99), e2d.GetProperty("max_ns").GetInt64());
        Assert.Equal(ReportScenario.Latency(99), e2d.GetProperty("p999_ns").GetInt64());
        Assert.Equal(2_000, root.GetProperty("stages").GetProperty("edge_to_isr").GetProperty("p50_ns").GetInt64());
        Assert.Equal((7, 3, 1, 0), (root.GetProperty("lost").GetInt64(), root.GetProperty("merged").GetInt64(), root.GetProperty("coalesced").GetInt64(), root.GetProperty("watchdog").GetInt64()));
        Assert.Equal(2, root.GetProperty("timeline").GetArrayLength());
        Assert.Equal(4, root.GetProperty("histogram").GetProperty("overflows").GetInt64());
        Assert.Equal("fake", root.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("steal_percent").ValueKind); // not measured here
    }

    [Fact]
    public void LatencyJson_RunUnderSteal_WritesTheShareAndStaysSchemaValid()
    {
        using var s = new ReportScenario();
        using var doc = JsonDocument.Parse(LatencyJsonWriter.ToJson(s.Report(stealPercent: 26.594)));

        Assert.Empty(JsonSchemaValidator.Validate(JsonSchemaValidator.LoadSchema("latency-report.schema.json"), doc.RootElement));
        Assert.Equal(26.59, doc.RootElement.GetProperty("steal_percent").GetDouble());
    }

    [Fact]
    public void JsonSchemaValidator_MissingRequiredStageAndNegativeCount_ReportsBoth()
    {
        var schema = JsonSchemaValidator.LoadSchema("latency-report.schema.json");
        using var doc = JsonDocument.Parse("""{"guarantees":{"realtime":true,"pinned":true,"mlocked":"yes"},"stages":{"edge_to_isr":{"count":-1,"min_ns":0,"p50_ns":0,"p99_ns":0,"p999_ns":0,"max_ns":0}},"lost":0,"merged":0,"coalesced":0}""");

        var errors = JsonSchemaValidator.Validate(schema, doc.RootElement);

        Assert.Contains(errors, e => e.Contains("'watchdog'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'queue_wait'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.guarantees.mlocked", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.stages.edge_to_isr.count", StringComparison.Ordinal));
    }

    [Fact]
    public void Hgrm_ManualScenario_RowsMatchHistogramPercentilesAndFooter()
    {
        using var s = new ReportScenario();
        var h = s.Report().EdgeToDpcStart.Histogram;
        var text = HgrmWriter.ToText(h);
        var lines = text.Split('\n');

        Assert.Equal("       Value     Percentile TotalCount 1/(1-Percentile)", lines[0]);
        Assert.Equal("", lines[1]);
        var rows = lines.Skip(2).TakeWhile(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(c => (Value: double.Parse(c[0], CultureInfo.InvariantCulture), P: double.Parse(c[1], CultureInfo.InvariantCulture), Count: long.Parse(c[2], CultureInfo.InvariantCulture), Cols: c.Length))
            .ToList();

        Assert.Equal((0.0, 1L), (rows[0].P, rows[0].Count));
        Assert.Equal(LatencyHistogram.HighestEquivalentValue(ReportScenario.Latency(0)) / 1000.0, rows[0].Value, 3);
        Assert.Equal((1.0, 100L, 3), (rows[^1].P, rows[^1].Count, rows[^1].Cols));
        Assert.All(rows.SkipLast(1), r => Assert.Equal(4, r.Cols));
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First.P <= p.Second.P && p.First.Value <= p.Second.Value));

        // The 50% row, and the last row up to 99% (100 values: it needs the 99th value too), hold the histogram's value at that percentile (µs).
        var p50 = rows.First(r => r.P >= 0.5);
        Assert.Equal(LatencyHistogram.HighestEquivalentValue(h.GetValueAtPercentile(50)) / 1000.0, p50.Value, 3);
        var p99 = rows.Last(r => r.P <= 0.99);
        Assert.True(p99.P > 0.985);
        Assert.Equal(LatencyHistogram.HighestEquivalentValue(h.GetValueAtPercentile(99)) / 1000.0, p99.Value, 3);
        // Tick steps: 5 per half distance, so the first steps are 10% apart and the 50–75% steps 5% apart.
        Assert.Equal([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6], rows.Select(r => Math.Round(r.P, 6)).Distinct().Take(8));

        Assert.Matches(@"^#\[Mean    = +\d+\.\d{3}, StdDeviation   = +\d+\.\d{3}\]$", lines.First(l => l.StartsWith("#[Mean", StringComparison.Ordinal)));
        Assert.Equal("#[Max     =      103.039, Total count    =          100]", lines.First(l => l.StartsWith("#[Max", StringComparison.Ordinal)));
        Assert.Equal("#[Buckets =           26, SubBuckets     =         2048]", lines.First(l => l.StartsWith("#[Buckets", StringComparison.Ordinal)));
    }

    [Fact]
    public void Hgrm_ScalingRatioOne_PrintsNanoseconds()
    {
        var h = new LatencyHistogram();
        h.Record(1_500);
        var rows = HgrmWriter.ToText(h, valueScalingRatio: 1).Split('\n');

        Assert.Equal("    1500.000 0.000000000000          1           1.00", rows[2]);
        Assert.Equal("    1500.000 1.000000000000          1", rows[3]);
    }

    [Fact]
    public void Csv_ManualScenario_HasHeaderAndRowPerStageCoreVectorAndRoutine()
    {
        using var s = new ReportScenario();
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        CsvReportWriter.WriteStatistics(w, s.Report());
        var lines = w.ToString().TrimEnd('\n').Split('\n');

        Assert.Equal("kind,name,metric,count,min_ns,avg_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal(11, r.Length));
        Assert.Equal(5 + (2 * 3) + 3 + 2, rows.Count);
        var e2d = rows.Single(r => r[0] == "stage" && r[1] == "edge_to_dpc_start");
        Assert.Equal(["100", ReportScenario.Latency(0).ToString(CultureInfo.InvariantCulture)], e2d[3..5]);
        Assert.Equal(ReportScenario.Latency(99).ToString(CultureInfo.InvariantCulture), e2d[10]);
        Assert.Single(rows, r => r[0] == "core" && r[1] == "cpu0" && r[2] == "edge_to_dpc_start" && r[3] == "100");
        Assert.Single(rows, r => r[0] == "vector" && r[1] == "gpio17" && r[2] == "isr_duration" && r[10] == "1000");
        Assert.Single(rows, r => r[0] == "dpc" && r[1] == "TestDpc" && r[10] == "300000");
    }

    [Fact]
    public void CsvTimeline_TwoSeconds_WritesSecondAndMax()
    {
        using var s = new ReportScenario();
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        CsvReportWriter.WriteTimeline(w, s.Report());

        Assert.Equal($"second,max_ns\n0,{ReportScenario.Latency(49)}\n1,{ReportScenario.Latency(99)}\n", w.ToString());
    }

    [Fact]
    public void Csv_NameWithComma_IsQuoted()
    {
        Assert.Equal("\"a,\"\"b\"\"\"", CsvReportWriter.Quote("a,\"b\""));
    }

    [Fact]
    public void Svg_ManualScenario_IsWellFormedWithCurveBarsAndLabels()
    {
        using var s = new ReportScenario();
        var svg = XDocument.Parse(SvgPlotWriter.Render(s.Report()));
        XNamespace ns = "http://www.w3.org/2000/svg";

        Assert.Equal(ns + "svg", svg.Root!.Name);
        Assert.DoesNotContain(svg.Descendants(), e => e.Name.LocalName is "script" or "style" or "image" or "foreignObject");
        Assert.DoesNotContain("href", svg.ToString(), StringComparison.Ordinal);
        var curve = svg.Descendants(ns + "polyline").Single(e => (string?)e.Attribute("id") == "curve");
        Assert.True(curve.Attribute("points")!.Value.Split(' ').Length > 10);
        Assert.Equal(2, svg.Descendants(ns + "rect").Count(e => (string?)e.Attribute("class") == "bar"));
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("Latency by percentile distribution", texts);
        Assert.Contains("Maximum latency per second", texts);
        Assert.Contains("99%", texts);
        Assert.Contains("Latency (log scale)", texts);
        Assert.Contains(texts, t => t.StartsWith("deadline 200 µs", StringComparison.Ordinal));
    }

    [Fact]
    public void Terminal_ManualScenario_ShowsEverySectionAndTheVerdict()
    {
        using var s = new ReportScenario();
        var text = TerminalReportRenderer.ToText(s.Report(deadlineNs: 50_000, histogramLimitUs: 100));

        foreach (var section in new[] { "cyclictest view", "LatencyMon view", "DPC Latency Checker view", "Loss", "Guarantees" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        Assert.Contains("Highest ISR execution time", text, StringComparison.Ordinal);
        Assert.Contains("gpio17 (vector 1)", text, StringComparison.Ordinal);
        Assert.Contains("(TestDpc)", text, StringComparison.Ordinal);
        Assert.Contains("250 - 500", text, StringComparison.Ordinal);
        Assert.Contains("# Histogram Overflows: 4", text, StringComparison.Ordinal);
        Assert.Contains("# Histogram Overflow at cycle number: 97 98 99 100", text, StringComparison.Ordinal);
        Assert.Contains("Absolute maximum: 103 µs", text, StringComparison.Ordinal);
        Assert.Contains("not suitable for real-time work at a deadline of 50 µs", text, StringComparison.Ordinal);
        Assert.Contains("measured without", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Terminal_DeadlineAboveMax_PrintsSuitableVerdict()
    {
        using var s = new ReportScenario();
        var text = TerminalReportRenderer.ToText(s.Report(deadlineNs: 200_000));

        Assert.Contains("appears suitable for real-time work at a deadline of 200 µs", text, StringComparison.Ordinal);
        Assert.DoesNotContain("not suitable", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteAll_Directory_WritesEveryFormat()
    {
        using var s = new ReportScenario();
        var dir = Path.Combine(Path.GetTempPath(), "dpcpi-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var paths = ReportWriter.WriteAll(s.Report(), dir);

            foreach (var p in new[] { paths.Json, paths.Hgrm, paths.Csv, paths.TimelineCsv, paths.Svg, paths.Text })
            {
                Assert.True(File.Exists(p), p);
                Assert.True(new FileInfo(p!).Length > 0, p);
            }

            using var doc = JsonDocument.Parse(File.ReadAllText(paths.Json!));
            Assert.Empty(JsonSchemaValidator.Validate(JsonSchemaValidator.LoadSchema("latency-report.schema.json"), doc.RootElement));
            Assert.StartsWith("       Value     Percentile", File.ReadAllText(paths.Hgrm!), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
