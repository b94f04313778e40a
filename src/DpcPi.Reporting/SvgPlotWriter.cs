using System.Globalization;
using System.Text;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>
/// A self-contained SVG (no external fonts, styles or scripts) of edge→DPC-start in three panels that share one
/// logarithmic latency axis (1-2-5 ticks in ns/µs/ms): an OSADL-style histogram with a logarithmic count axis, the
/// percentile distribution on a logarithmic 1/(1-p) axis as HdrHistogram plots it, and the per-second maximum as
/// bars. Each panel draws the deadline as a line and has a legend. Log axes keep p50, p99 and the deadline readable
/// when one spike is a thousand times the median.
/// </summary>
public static class SvgPlotWriter
{
    /// <summary>Width of the picture in px.</summary>
    public const int Width = 960;

    /// <summary>Height of the picture in px.</summary>
    public const int Height = 1130;

    private const int Left = 90;
    private const int Right = 930;
    private const int HistTop = 110;
    private const int HistBottom = 350;
    private const int CurveTop = 460;
    private const int CurveBottom = 700;
    private const int BarsTop = 810;
    private const int BarsBottom = 1050;
    private const int MaxBars = 600;
    private const int LegendRow = 15;
    private const int LegendInset = 6;
    private const int BinsPerDecade = 20;
    private const string DeadlineColor = "#d62728";
    private const string BelowColor = "#2ca02c";
    private const string HistColor = "#1f77b4";

    private static readonly (string Id, string Label, string Color)[] Markers =
    [
        ("p50", "p50", "#555555"),
        ("p99", "p99", "#ff7f0e"),
        ("p999", "p99.9", "#9467bd"),
        ("max", "max", "#000000"),
    ];

    public static void Write(TextWriter writer, LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        writer.Write(Render(report));
    }

    public static string Render(LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        sb.Append(Inv($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        sb.Append(Inv($"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        var stats = report.EdgeToDpcStart.Statistics;
        // One sample per DPC run, not per interrupt: a DpcForIsr queued again before it ran serves several interrupts.
        var interrupts = report[LatencyStage.EdgeToIsr].Statistics.Count;
        Text(sb, Width / 2, 28, $"DpcPi: edge→DPC-start latency ({report.Source}), {Units.Int(stats.Count)} DPC runs for {Units.Int(interrupts)} interrupts, max {LogAxis.Label(stats.MaxNs / 1000.0)}", "middle", 16, "title");
        var dma = report.CpuDmaLatency is { } d ? $" cpu_dma_latency={(d.Held ? "held at 0" : "not held")}" : "";
        Text(sb, Width / 2, 48, $"realtime={Yes(report.Guarantees.Realtime)} pinned={Yes(report.Guarantees.Pinned)} mlocked={Yes(report.Guarantees.MemoryLocked)}{dma}  deadline {LogAxis.Label(report.DeadlineNs / 1000.0)}", "middle", 11, "subtitle");
        Text(sb, Width / 2, 68, report.ShortVerdict, "middle", 12, "verdict");
        var axis = LatencyAxis(report);
        Histogram(sb, report, axis);
        Curve(sb, report, axis);
        Bars(sb, report, axis);
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>One latency axis for every panel: the smallest and largest latency, every per-second maximum and the deadline.</summary>
    internal static LogAxis LatencyAxis(LatencyReport report)
    {
        var s = report.EdgeToDpcStart.Statistics;
        var values = new List<double> { report.DeadlineNs / 1000.0 };
        if (s.Count > 0)
        {
            values.Add(s.MinNs / 1000.0);
            values.Add(s.MaxNs / 1000.0);
        }

        values.AddRange(report.Timeline.Where(v => v > 0).Select(v => v / 1000.0));
        return LogAxis.Spanning(values);
    }

    private static void Histogram(StringBuilder sb, LatencyReport report, LogAxis axis)
    {
        var h = report.EdgeToDpcStart.Histogram;
        var bins = new long[Math.Max(1, (int)Math.Ceiling(axis.Decades * BinsPerDecade))];
        foreach (var (_, high, count) in h.RecordedBuckets())
        {
            var i = (int)Math.Floor(axis.Fraction(high / 1000.0) * axis.Decades * BinsPerDecade);
            bins[Math.Clamp(i, 0, bins.Length - 1)] += count;
        }

        // Counts on a log axis from ½ so that a single sample (the outlier that matters) still has a visible bar.
        var countTop = Math.Pow(10, Math.Max(1, Math.Ceiling(Math.Log10(Math.Max(1, bins.Max())))));
        const double countBottom = 0.5;
        double CountY(double c) => HistBottom - ((HistBottom - HistTop) * Math.Log10(c / countBottom) / Math.Log10(countTop / countBottom));
        double X(double us) => Left + ((Right - Left) * axis.Fraction(us));

        sb.Append("<g id=\"histogram\">\n");
        Text(sb, (Left + Right) / 2, HistTop - 12, "Latency histogram (log count, OSADL style)", "middle", 13, "histogram-title");
        for (var c = 1.0; c <= countTop * 1.001; c *= 10)
        {
            var y = CountY(c);
            sb.Append(Inv($"<line class=\"grid\" x1=\"{Left}\" y1=\"{y:0.##}\" x2=\"{Right}\" y2=\"{y:0.##}\" stroke=\"#dddddd\"/>\n"));
            Text(sb, Left - 6, y + 4, LogAxis.CountLabel(c), "end", 11, null);
        }

        LatencyTicksOnX(sb, axis, HistTop, HistBottom, "histogram-tick");
        Axes(sb, HistTop, HistBottom);
        var binWidth = (Right - Left) / (axis.Decades * BinsPerDecade);
        for (var i = 0; i < bins.Length; i++)
        {
            if (bins[i] == 0)
            {
                continue;
            }

            var from = axis.LowUs * Math.Pow(10, (double)i / BinsPerDecade);
            var to = axis.LowUs * Math.Pow(10, (double)(i + 1) / BinsPerDecade);
            var y = CountY(bins[i]);
            var x0 = Math.Min(Left + (i * binWidth), Right - binWidth) + 0.5; // a value at the axis' end keeps a whole bar
            sb.Append(Inv($"<rect class=\"hist-bar\" x=\"{x0:0.##}\" y=\"{y:0.##}\" width=\"{Math.Max(0.5, binWidth - 1):0.##}\" height=\"{HistBottom - y:0.##}\" fill=\"{HistColor}\"><title>{Escape(LogAxis.Label(from))} – {Escape(LogAxis.Label(to))}: {bins[i]} samples</title></rect>\n"));
        }

        var s = report.EdgeToDpcStart.Statistics;
        var legend = new List<(string Kind, string Color, string Label)> { ("box", HistColor, "samples per bin (count on a log scale)") };
        if (s.Count > 0)
        {
            var values = new[] { s.P50Ns, s.P99Ns, s.P999Ns, s.MaxNs };
            for (var m = 0; m < Markers.Length; m++)
            {
                var (id, label, color) = Markers[m];
                var x = X(values[m] / 1000.0);
                sb.Append(Inv($"<line id=\"{id}-marker\" class=\"marker\" x1=\"{x:0.##}\" y1=\"{HistTop}\" x2=\"{x:0.##}\" y2=\"{HistBottom}\" stroke=\"{color}\" stroke-width=\"1.5\"/>\n"));
                legend.Add(("line", color, $"{label} {LogAxis.Label(values[m] / 1000.0)}")); // values in the legend: labels on the plot collide
            }
        }
        else
        {
            Text(sb, (Left + Right) / 2, (HistTop + HistBottom) / 2, "no data", "middle", 14, null);
        }

        var dx = X(report.DeadlineNs / 1000.0);
        sb.Append(Inv($"<line id=\"histogram-deadline\" class=\"deadline\" x1=\"{dx:0.##}\" y1=\"{HistTop}\" x2=\"{dx:0.##}\" y2=\"{HistBottom}\" stroke=\"{DeadlineColor}\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n"));
        legend.Add(("dash", DeadlineColor, $"deadline {LogAxis.Label(report.DeadlineNs / 1000.0)}"));
        Legend(sb, "histogram-legend", HistTop, legend);
        Text(sb, (Left + Right) / 2, HistBottom + 36, "edge→DPC-start latency (log scale)", "middle", 12, "histogram-x-label");
        Text(sb, 22, (HistTop + HistBottom) / 2, "Samples (log scale)", "middle", 12, "histogram-y-label", rotate: true);
        sb.Append("</g>\n");
    }

    private static void Curve(StringBuilder sb, LatencyReport report, LogAxis axis)
    {
        var h = report.EdgeToDpcStart.Histogram;
        var rows = PercentileDistribution.Rows(h);
        var decades = Math.Max(2, (int)Math.Ceiling(Math.Log10(Math.Max(1, h.TotalCount))));
        double X(double percentile)
        {
            var inv = percentile >= 100 ? Math.Pow(10, decades) : 1.0 / (1.0 - (percentile / 100.0));
            var d = Math.Min(decades, Math.Log10(inv));
            return Left + ((Right - Left) * d / decades);
        }

        double Y(double us) => CurveBottom - ((CurveBottom - CurveTop) * axis.Fraction(us));

        sb.Append("<g id=\"percentile-distribution\">\n");
        Text(sb, (Left + Right) / 2, CurveTop - 12, "Latency by percentile distribution", "middle", 13, "curve-title");
        LatencyTicksOnY(sb, axis, CurveTop, CurveBottom, "curve-tick");
        for (var d = 0; d <= decades; d++)
        {
            var x = Left + ((Right - Left) * (double)d / decades);
            var label = d == 0 ? "0%" : (100.0 - (100.0 / Math.Pow(10, d))).ToString("0.#########", CultureInfo.InvariantCulture) + "%";
            sb.Append(Inv($"<line class=\"grid\" x1=\"{x:0.##}\" y1=\"{CurveTop}\" x2=\"{x:0.##}\" y2=\"{CurveBottom}\" stroke=\"#dddddd\"/>\n"));
            Text(sb, x, CurveBottom + 16, label, "middle", 11, null);
        }

        Axes(sb, CurveTop, CurveBottom);
        Text(sb, (Left + Right) / 2, CurveBottom + 36, "Percentile (log scale of 1/(1-p))", "middle", 12, "x-label");
        Text(sb, 22, (CurveTop + CurveBottom) / 2, "Latency (log scale)", "middle", 12, "y-label", rotate: true);
        var dy = Y(report.DeadlineNs / 1000.0);
        sb.Append(Inv($"<line id=\"deadline\" class=\"deadline\" x1=\"{Left}\" y1=\"{dy:0.##}\" x2=\"{Right}\" y2=\"{dy:0.##}\" stroke=\"{DeadlineColor}\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n"));
        if (rows.Count > 0)
        {
            var points = new StringBuilder();
            foreach (var r in rows)
            {
                points.Append(Inv($"{X(r.Percentile):0.##},{Y(r.ValueNs / 1000.0):0.##} "));
            }

            sb.Append(Inv($"<polyline id=\"curve\" fill=\"none\" stroke=\"{HistColor}\" stroke-width=\"2\" points=\"{points.ToString().TrimEnd()}\"/>\n"));
        }
        else
        {
            Text(sb, (Left + Right) / 2, (CurveTop + CurveBottom) / 2, "no data", "middle", 14, null);
        }

        Legend(sb, "curve-legend", CurveTop, [("line", HistColor, "edge→DPC-start at each percentile"), ("dash", DeadlineColor, $"deadline {LogAxis.Label(report.DeadlineNs / 1000.0)}")], left: true);
        sb.Append("</g>\n");
    }

    private static void Bars(StringBuilder sb, LatencyReport report, LogAxis axis)
    {
        var timeline = Downsample(report.Timeline, MaxBars, out var secondsPerBar);
        (string Kind, string Color, string Label)[] legend = [("box", BelowColor, "below the deadline"), ("box", DeadlineColor, "at or above the deadline"), ("dash", DeadlineColor, $"deadline {LogAxis.Label(report.DeadlineNs / 1000.0)}")];

        // The worst second's bar reaches the axis' top, and with few seconds the bars are wide: the data starts below
        // a strip that holds the legend, so no bar can hide under it.
        var dataTop = BarsTop + LegendInset + LegendHeight(legend.Length) + LegendInset;
        double Y(double us) => BarsBottom - ((BarsBottom - dataTop) * axis.Fraction(us));
        sb.Append("<g id=\"timeline\">\n");
        var title = secondsPerBar == 1 ? "Maximum latency per second" : $"Maximum latency per {secondsPerBar} seconds";
        Text(sb, (Left + Right) / 2, BarsTop - 12, title, "middle", 13, "timeline-title");
        LatencyTicksOnY(sb, axis, dataTop, BarsBottom, "timeline-tick");
        Axes(sb, BarsTop, BarsBottom);

        var n = Math.Max(1, timeline.Length);
        var slot = (double)(Right - Left) / n;
        var barWidth = Math.Max(0.5, slot * 0.8);
        for (var i = 0; i < timeline.Length; i++)
        {
            if (timeline[i] <= 0)
            {
                continue; // nothing ran that second: no bar, rather than one at the axis' floor
            }

            var y = Y(timeline[i] / 1000.0);
            var x = Left + (slot * i) + ((slot - barWidth) / 2);
            var color = timeline[i] >= report.DeadlineNs ? DeadlineColor : BelowColor;
            sb.Append(Inv($"<rect class=\"bar\" x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{barWidth:0.##}\" height=\"{Math.Max(1, BarsBottom - y):0.##}\" fill=\"{color}\"><title>{i * secondsPerBar} s: {Units.Us(timeline[i])} µs</title></rect>\n"));
        }

        var labelEvery = Math.Max(1, (int)Math.Ceiling(n / 12.0));
        for (var i = 0; i < timeline.Length; i += labelEvery)
        {
            Text(sb, Left + (slot * i) + (slot / 2), BarsBottom + 16, Units.Int(i * (long)secondsPerBar), "middle", 11, null);
        }

        var dy = Y(report.DeadlineNs / 1000.0);
        sb.Append(Inv($"<line id=\"timeline-deadline\" class=\"deadline\" x1=\"{Left}\" y1=\"{dy:0.##}\" x2=\"{Right}\" y2=\"{dy:0.##}\" stroke=\"{DeadlineColor}\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n"));
        Text(sb, (Left + Right) / 2, BarsBottom + 36, "Time since start (s)", "middle", 12, "timeline-x-label");
        Text(sb, 22, (BarsTop + BarsBottom) / 2, "Max latency (log scale)", "middle", 12, "timeline-y-label", rotate: true);
        if (timeline.Length == 0)
        {
            Text(sb, (Left + Right) / 2, (BarsTop + BarsBottom) / 2, "no data", "middle", 14, null);
        }

        Legend(sb, "timeline-legend", BarsTop, legend);
        sb.Append("</g>\n");
    }

    private static void LatencyTicksOnY(StringBuilder sb, LogAxis axis, int top, int bottom, string cls)
    {
        foreach (var us in axis.Ticks())
        {
            var y = bottom - ((bottom - top) * axis.Fraction(us));
            sb.Append(Inv($"<line class=\"grid\" x1=\"{Left}\" y1=\"{y:0.##}\" x2=\"{Right}\" y2=\"{y:0.##}\" stroke=\"#dddddd\"/>\n"));
            Text(sb, Left - 6, y + 4, LogAxis.Label(us), "end", 11, null, cls: cls);
        }
    }

    private static void LatencyTicksOnX(StringBuilder sb, LogAxis axis, int top, int bottom, string cls)
    {
        foreach (var us in axis.Ticks())
        {
            var x = Left + ((Right - Left) * axis.Fraction(us));
            sb.Append(Inv($"<line class=\"grid\" x1=\"{x:0.##}\" y1=\"{top}\" x2=\"{x:0.##}\" y2=\"{bottom}\" stroke=\"#dddddd\"/>\n"));
            Text(sb, x, bottom + 16, LogAxis.Label(us), "middle", 11, null, cls: cls);
        }
    }

    /// <summary>A boxed legend in the panel's top corner (right by default): a swatch, line or dashed line per entry.</summary>
    private static void Legend(StringBuilder sb, string id, int top, IReadOnlyList<(string Kind, string Color, string Label)> entries, bool left = false)
    {
        var width = 34 + (int)Math.Ceiling(entries.Max(e => e.Label.Length) * 6.2);
        var height = LegendHeight(entries.Count);
        var x0 = left ? Left + LegendInset + 2 : Right - LegendInset - 2 - width;
        var y0 = top + LegendInset;
        sb.Append(Inv($"<g id=\"{id}\" class=\"legend\">\n<rect x=\"{x0}\" y=\"{y0}\" width=\"{width}\" height=\"{height}\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999999\"/>\n"));
        for (var i = 0; i < entries.Count; i++)
        {
            var (kind, color, label) = entries[i];
            var cy = y0 + 4 + (i * LegendRow) + (LegendRow / 2);
            switch (kind)
            {
                case "box":
                    sb.Append(Inv($"<rect x=\"{x0 + 8}\" y=\"{cy - 5}\" width=\"16\" height=\"10\" fill=\"{color}\"/>\n"));
                    break;
                case "dash":
                    sb.Append(Inv($"<line x1=\"{x0 + 6}\" y1=\"{cy}\" x2=\"{x0 + 26}\" y2=\"{cy}\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n"));
                    break;
                default:
                    sb.Append(Inv($"<line x1=\"{x0 + 6}\" y1=\"{cy}\" x2=\"{x0 + 26}\" y2=\"{cy}\" stroke=\"{color}\" stroke-width=\"2\"/>\n"));
                    break;
            }

            Text(sb, x0 + 32, cy + 4, label, "start", 11, null);
        }

        sb.Append("</g>\n");
    }

    private static int LegendHeight(int entries) => 8 + (entries * LegendRow);

    internal static long[] Downsample(IReadOnlyList<long> timeline, int maxBars, out int secondsPerBar)
    {
        secondsPerBar = Math.Max(1, (int)Math.Ceiling(timeline.Count / (double)maxBars));
        var result = new long[(timeline.Count + secondsPerBar - 1) / secondsPerBar];
        for (var i = 0; i < timeline.Count; i++)
        {
            result[i / secondsPerBar] = Math.Max(result[i / secondsPerBar], timeline[i]);
        }

        return result;
    }

    private static void Axes(StringBuilder sb, int top, int bottom) =>
        sb.Append(Inv($"<path class=\"axis\" d=\"M{Left},{top} L{Left},{bottom} L{Right},{bottom}\" fill=\"none\" stroke=\"black\"/>\n"));

    private static void Text(StringBuilder sb, double x, double y, string text, string anchor, int size, string? id, bool rotate = false, string? cls = null, string? fill = null)
    {
        var idAttr = id is null ? "" : $" id=\"{id}\"";
        var clsAttr = cls is null ? "" : $" class=\"{cls}\"";
        var fillAttr = fill is null ? "" : $" fill=\"{fill}\"";
        var transform = rotate ? Inv($" transform=\"rotate(-90 {x:0.##} {y:0.##})\"") : "";
        sb.Append(Inv($"<text{idAttr}{clsAttr} x=\"{x:0.##}\" y=\"{y:0.##}\" text-anchor=\"{anchor}\" font-size=\"{size}\"{fillAttr}{transform}>{Escape(text)}</text>\n"));
    }

    private static string Yes(bool b) => b ? "yes" : "no";

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
