using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;
using DpcPi.TestSupport;

namespace DpcPi.Reporting.Tests;

/// <summary>Issue 24: log axes with 1-2-5 ticks, the PNG, honest verdicts, cpu_dma_latency in the report, terminal width and colour.</summary>
public sealed class PicturesAndVerdictTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void LogAxis_SpanningMicrosecondsToMilliseconds_TicksAreAt125Steps()
    {
        var axis = LogAxis.Spanning([3.1, 9_600]);
        var ticks = axis.Ticks();

        Assert.Equal(2, axis.LowUs);
        Assert.Equal(10_000, axis.HighUs);
        Assert.Equal([2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000], ticks);
        foreach (var t in ticks)
        {
            var mantissa = t / Math.Pow(10, Math.Floor(Math.Log10(t)));
            Assert.Contains(Math.Round(mantissa, 9), new[] { 1.0, 2.0, 5.0 });
        }

        Assert.Equal(["2 µs", "5 µs", "10 µs", "20 µs", "50 µs", "100 µs", "200 µs", "500 µs", "1 ms", "2 ms", "5 ms", "10 ms"], ticks.Select(LogAxis.Label));
    }

    [Fact]
    public void LogAxis_ManyDecades_TicksOnlyAtPowersOfTen()
    {
        var ticks = LogAxis.Spanning([0.2, 400_000]).Ticks();

        Assert.Equal([1, 10, 100, 1_000, 10_000, 100_000], ticks);
        Assert.Equal("200 ns", LogAxis.Label(0.2));
        Assert.Equal("500 ms", LogAxis.Label(500_000));
    }

    [Fact]
    public void LogAxis_Fraction_PlacesDecadesEvenly()
    {
        var axis = LogAxis.Spanning([1, 1000]);

        Assert.Equal(0, axis.Fraction(1), 9);
        Assert.Equal(1.0 / 3, axis.Fraction(10), 9);
        Assert.Equal(2.0 / 3, axis.Fraction(100), 9);
        Assert.Equal(1, axis.Fraction(5000), 9);
    }

    [Fact]
    public void Verdict_FewerSamplesThanTheMinimum_IsInconclusiveNotSuitable()
    {
        using var s = new ReportScenario();
        var r = s.Report(deadlineNs: 1_000_000, minimumSamples: ReportContext.DefaultMinimumSamples);

        Assert.False(r.Conclusive);
        Assert.False(r.Suitable);
        Assert.StartsWith("Inconclusive: 100 samples", r.Verdict, StringComparison.Ordinal);
        Assert.DoesNotContain("suitable for real-time work", r.Verdict, StringComparison.Ordinal);
        Assert.StartsWith("inconclusive: 100 samples", r.ShortVerdict, StringComparison.Ordinal);
        var text = TerminalReportRenderer.ToText(r);
        Assert.Contains("Verdict: Inconclusive: 100 samples", text, StringComparison.Ordinal);
        Assert.DoesNotContain("suitable for real-time work", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Verdict_RunShorterThanTheMinimumTime_IsInconclusive()
    {
        using var s = new ReportScenario();
        var r = LatencyReport.FromKernel(s.Kernel, new ReportContext { DeadlineNs = 1_000_000, MinimumSamples = 1, Duration = TimeSpan.FromMilliseconds(300) });

        Assert.False(r.Suitable);
        Assert.StartsWith("Inconclusive: 100 samples in 0.300 s", r.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_InconclusiveRunWithCpuDmaLatency_RecordsBothAndMatchesTheSchema()
    {
        using var s = new ReportScenario();
        var r = LatencyReport.FromKernel(s.Kernel, new ReportContext
        {
            Source = "fake",
            Duration = TimeSpan.FromSeconds(1),
            CpuDmaLatency = new CpuDmaLatencyStatus(false, "not held: cannot open /dev/cpu_dma_latency: Permission denied (EACCES)"),
        });

        using var doc = JsonDocument.Parse(LatencyJsonWriter.ToJson(r));
        var root = doc.RootElement;

        Assert.Empty(JsonSchemaValidator.Validate(JsonSchemaValidator.LoadSchema("latency-report.schema.json"), root));
        Assert.False(root.GetProperty("cpu_dma_latency").GetProperty("held").GetBoolean());
        Assert.StartsWith("not held: cannot open", root.GetProperty("cpu_dma_latency").GetProperty("detail").GetString(), StringComparison.Ordinal);
        var verdict = root.GetProperty("verdict");
        Assert.True(verdict.GetProperty("inconclusive").GetBoolean());
        Assert.False(verdict.GetProperty("suitable").GetBoolean());
        Assert.Equal(ReportContext.DefaultMinimumSamples, verdict.GetProperty("minimum_samples").GetInt64());
        Assert.Contains("cpu_dma_latency: not held", TerminalReportRenderer.ToText(r), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_CpuDmaLatencyHeld_IsRecordedAsHeld()
    {
        using var s = new ReportScenario();
        var r = LatencyReport.FromKernel(s.Kernel, new ReportContext { CpuDmaLatency = new CpuDmaLatencyStatus(true, "held at 0 µs") });

        using var doc = JsonDocument.Parse(LatencyJsonWriter.ToJson(r));

        Assert.True(doc.RootElement.GetProperty("cpu_dma_latency").GetProperty("held").GetBoolean());
    }

    [Fact]
    public void Terminal_EightyColumns_NoLineIsLongerThanEighty()
    {
        using var s = new ReportScenario();
        var text = TerminalReportRenderer.ToText(s.Report(deadlineNs: 50_000, histogramLimitUs: 100), new TerminalStyle(80, Colour: false));

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var longest = lines.OrderByDescending(l => l.Length).First();
        Assert.True(longest.Length <= 80, $"{longest.Length} columns: {longest}");
        Assert.Contains(lines, l => l.Contains("edge→DPC", StringComparison.Ordinal) && l.Contains("queue", StringComparison.Ordinal));
        Assert.Contains("Verdict:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Terminal_ThousandTimesOutlier_EverySecondsBarStaysVisibleOnTheLogScale()
    {
        using var k = new OutlierKernel();
        var text = TerminalReportRenderer.ToText(OutlierReport(k), new TerminalStyle(100, Colour: false));

        // The DPC Latency Checker rows: "     0 s    43 µs ████…"; one second holds the 10 ms outlier.
        var rows = text.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+\d+ s\s")).ToArray();
        var lengths = rows.Select(l => l.Count(c => c is >= '\u2580' and <= '\u259f')).ToArray();

        Assert.Equal(OutlierKernel.Seconds, rows.Length);
        Assert.Contains("log scale", text, StringComparison.Ordinal);
        Assert.Contains(rows, r => r.Contains("10 ms", StringComparison.Ordinal));
        Assert.All(lengths, n => Assert.True(n >= lengths.Max() / 10, $"bars {string.Join(", ", lengths)}: a second next to the outlier is pressed to nothing"));
    }

    [Fact]
    public void Terminal_NoColorSetOnATerminal_HasNoAnsiEscapes()
    {
        using var s = new ReportScenario();
        var report = s.Report(deadlineNs: 50_000);
        var noColor = TerminalStyle.Decide(isTerminal: true, noColor: "1", term: "xterm-256color", columns: null, windowWidth: 100);
        var colour = TerminalStyle.Decide(isTerminal: true, noColor: null, term: "xterm-256color", columns: null, windowWidth: 100);

        Assert.False(noColor.Colour);
        Assert.DoesNotContain('\u001b', TerminalReportRenderer.ToText(report, noColor));
        Assert.True(colour.Colour);
        Assert.Contains('\u001b', TerminalReportRenderer.ToText(report, colour)); // the same report does colour on a terminal
    }

    [Theory]
    [InlineData(false, null, null, null, 0, 140, false)]
    [InlineData(false, null, "xterm", "132", 0, 132, false)]
    [InlineData(true, null, "xterm", null, 100, 100, true)]
    [InlineData(true, null, "xterm", "72", 100, 72, true)]
    [InlineData(true, "", "dumb", null, 80, 80, false)]
    [InlineData(true, null, "xterm", "junk", 0, 140, true)]
    public void TerminalStyle_Decide_WidthFromColumnsThenTerminalAndColourOnlyOnATerminal(bool isTerminal, string? noColor, string? term, string? columns, int windowWidth, int width, bool colour)
    {
        Assert.Equal(new TerminalStyle(width, colour), TerminalStyle.Decide(isTerminal, noColor, term, columns, windowWidth));
    }

    [Fact]
    public void Svg_DpcForIsrServingTwoInterrupts_TitleCountsRunsAndInterruptsApart()
    {
        var clock = new VirtualClock();
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0], IsrProcessor = 0, StartThreads = false, Realtime = false, Pin = false, MinimumDpcRate = 0, Clock = clock });
        kernel.Start();
        using var controller = new TestInterruptController();
        var dpc = kernel.InitializeDpc((_, _, _, _) => clock.Advance(5_000), name: "Dpc");
        kernel.ConnectInterrupt(1, (_, _, ref _) =>
        {
            kernel.InsertQueueDpc(dpc);
            return true;
        }, null, controller, name: "gpio17");
        foreach (var pending in new[] { 2, 1 })
        {
            for (var i = 0; i < pending; i++)
            {
                controller.Raise(1, clock.NowNs); // pending together: the second ISR finds the DPC still queued
            }

            clock.Advance(2_000);
            kernel.PollInterrupts(controller);
            kernel.RunDpcs(0);
        }

        var report = LatencyReport.FromKernel(kernel, new ReportContext { Source = "fake", Duration = TimeSpan.FromSeconds(1) });
        var title = XDocument.Parse(SvgPlotWriter.Render(report)).Descendants(Svg + "text").Single(e => (string?)e.Attribute("id") == "title").Value;

        Assert.Contains("2 DPC runs for 3 interrupts", title, StringComparison.Ordinal);
    }

    [Fact]
    public void Svg_ThousandTimesOutlier_P50AndP99StayApartAndEveryPanelHasDeadlineAndLegend()
    {
        using var k = new OutlierKernel();
        var report = OutlierReport(k);
        var svg = XDocument.Parse(SvgPlotWriter.Render(report));

        var p50 = X1(svg, "p50-marker");
        var p99 = X1(svg, "p99-marker");
        Assert.True(p99 - p50 > 100, $"p50 at x={p50}, p99 at x={p99}: a linear axis to 10 ms would put them under a pixel apart");
        foreach (var panel in new[] { "histogram", "percentile-distribution", "timeline" })
        {
            var g = svg.Descendants(Svg + "g").Single(e => (string?)e.Attribute("id") == panel);
            Assert.Single(g.Descendants(Svg + "line"), e => (string?)e.Attribute("class") == "deadline");
            Assert.Single(g.Descendants(Svg + "g"), e => (string?)e.Attribute("class") == "legend");
        }

        var histBars = svg.Descendants(Svg + "rect").Where(e => (string?)e.Attribute("class") == "hist-bar").ToArray();
        Assert.Equal(3, histBars.Length); // 8 µs, 43 µs and the single 10 ms sample, each a visible bar inside the plot
        Assert.All(histBars, b => Assert.True(Attr(b, "height") > 5 && Attr(b, "width") > 5 && Attr(b, "x") + Attr(b, "width") <= 930.5, b.ToString()));
        var bars = svg.Descendants(Svg + "rect").Where(e => (string?)e.Attribute("class") == "bar").Select(e => Attr(e, "height")).ToArray();
        Assert.Equal(OutlierKernel.Seconds, bars.Length);
        Assert.True(bars.Min() > 40, $"the lowest per-second bar is {bars.Min()} px high beside a 10 ms one");
        var ticks = svg.Descendants(Svg + "text").Where(e => (string?)e.Attribute("class") == "timeline-tick").Select(e => e.Value).ToArray();
        Assert.Contains("10 µs", ticks);
        Assert.Contains("1 ms", ticks);
        Assert.Contains("10 ms", ticks);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(5, 4)]
    public void Svg_FewSecondsWorstLast_NoPerSecondBarUnderTheLegend(int seconds, int outlierSecond)
    {
        // Few seconds make wide bars, and the worst one reaches the axis' top: in the top-right corner it hid under the legend.
        using var k = new OutlierKernel(seconds, outlierSecond);
        var svg = XDocument.Parse(SvgPlotWriter.Render(OutlierReport(k)));

        var legend = svg.Descendants(Svg + "g").Single(e => (string?)e.Attribute("id") == "timeline-legend").Elements(Svg + "rect").First();
        var bars = svg.Descendants(Svg + "rect").Where(e => (string?)e.Attribute("class") == "bar").ToArray();
        Assert.Equal(seconds, bars.Length);
        Assert.All(bars, bar => Assert.False(
            Attr(bar, "x") < Attr(legend, "x") + Attr(legend, "width") && Attr(legend, "x") < Attr(bar, "x") + Attr(bar, "width")
            && Attr(bar, "y") < Attr(legend, "y") + Attr(legend, "height") && Attr(legend, "y") < Attr(bar, "y") + Attr(bar, "height"),
            $"bar {bar.Element(Svg + "title")?.Value} at y={Attr(bar, "y")} overlaps the legend (y {Attr(legend, "y")}+{Attr(legend, "height")})"));
        var worst = bars.Max(b => Attr(b, "height"));
        Assert.True(worst > 100, $"the 10 ms bar is only {worst} px high"); // the strip costs the bars little height

        var dir = Path.Combine(Path.GetTempPath(), "dpcpi-pictures");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, $"latency-{seconds}s.png"), PngPlotWriter.Render(svg.ToString())); // for a person to look at
    }

    [Fact]
    public void Png_OutlierReport_IsAPngOfTheSvgsSize()
    {
        Assert.True(PngPlotWriter.Available, PngPlotWriter.UnavailableReason);
        using var k = new OutlierKernel();
        var png = PngPlotWriter.Render(SvgPlotWriter.Render(OutlierReport(k)));

        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(SvgPlotWriter.Width, ReadBigEndian(png, 16));
        Assert.Equal(SvgPlotWriter.Height, ReadBigEndian(png, 20));
        var dir = Path.Combine(Path.GetTempPath(), "dpcpi-pictures");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "latency-outlier.png"), png); // for a person to look at
    }

    [Theory]
    [InlineData("sans-serif")]
    [InlineData("NoSuchFamilyOnAnyMachine")]
    public void Png_Text_DrawnWithTheEmbeddedFontWhateverTheFamily(string family)
    {
        // No fontconfig behind the native library: were the machine's fonts asked for, a minimal image would draw no text.
        const string Frame = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"60\">{0}</svg>";
        var empty = DarkPixels(PngPlotWriter.Render(string.Format(CultureInfo.InvariantCulture, Frame, string.Empty)));
        var text = DarkPixels(PngPlotWriter.Render(string.Format(CultureInfo.InvariantCulture, Frame, $"<text x=\"10\" y=\"45\" font-family=\"{family}\" font-size=\"36\">Hg 1 ms</text>")));

        Assert.Equal(0, empty);
        Assert.True(text > 300, $"{text} dark pixels: the text was not drawn");
    }

    private static int DarkPixels(byte[] png)
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        var dark = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                dark += c.Red + c.Green + c.Blue < 300 ? 1 : 0;
            }
        }

        return dark;
    }

    [Fact]
    public void WriteAll_Directory_WritesThePngBesideTheSvg()
    {
        using var s = new ReportScenario();
        var dir = Path.Combine(Path.GetTempPath(), "dpcpi-png-" + Guid.NewGuid().ToString("N"));
        try
        {
            var paths = ReportWriter.WriteAll(s.Report(), dir);

            Assert.Equal(Path.Combine(dir, "latency.png"), paths.Png);
            Assert.Equal(0x89, File.ReadAllBytes(paths.Png!)[0]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static LatencyReport OutlierReport(OutlierKernel k) => LatencyReport.FromKernel(k.Kernel, new ReportContext
    {
        Source = "timer",
        DeadlineNs = 1_000_000,
        Duration = TimeSpan.FromSeconds(k.RunSeconds),
    });

    private static double X1(XDocument svg, string id) => Attr(svg.Descendants(Svg + "line").Single(e => (string?)e.Attribute("id") == id), "x1");

    private static double Attr(XElement e, string name) => double.Parse(e.Attribute(name)!.Value, CultureInfo.InvariantCulture);

    private static int ReadBigEndian(byte[] b, int offset) => (b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3];
}
