using System.Globalization;
using System.Text;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>
/// A self-contained SVG (no external fonts, styles or scripts): the edge→DPC-start percentile
/// distribution on a logarithmic 1/(1-p) axis, as HdrHistogram plots it, above the per-second
/// maximum timeline as bars.
/// </summary>
public static class SvgPlotWriter
{
    private const int Width = 960;
    private const int Height = 760;
    private const int Left = 90;
    private const int Right = 930;
    private const int CurveTop = 85;
    private const int CurveBottom = 380;
    private const int BarsTop = 480;
    private const int BarsBottom = 690;
    private const int MaxBars = 600;

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
        Text(sb, Width / 2, 28, $"DpcPi: edge→DPC-start latency ({report.Source}), {Units.Int(stats.Count)} interrupts, max {Units.Us(stats.MaxNs)} µs", "middle", 16, "title");
        Text(sb, Width / 2, 48, $"realtime={Yes(report.Guarantees.Realtime)} pinned={Yes(report.Guarantees.Pinned)} mlocked={Yes(report.Guarantees.MemoryLocked)}", "middle", 11, "subtitle");
        Curve(sb, report);
        Bars(sb, report);
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static void Curve(StringBuilder sb, LatencyReport report)
    {
        var h = report.EdgeToDpcStart.Histogram;
        var rows = PercentileDistribution.Rows(h);
        var decades = Math.Max(2, (int)Math.Ceiling(Math.Log10(Math.Max(1, h.TotalCount))));
        var maxUs = NiceCeiling(Math.Max(h.Max, report.DeadlineNs <= 4 * Math.Max(1, h.Max) ? report.DeadlineNs : 0) / 1000.0);
        double X(double percentile)
        {
            var inv = percentile >= 100 ? Math.Pow(10, decades) : 1.0 / (1.0 - (percentile / 100.0));
            var d = Math.Min(decades, Math.Log10(inv));
            return Left + ((Right - Left) * d / decades);
        }

        double Y(double us) => CurveBottom - ((CurveBottom - CurveTop) * us / maxUs);

        sb.Append("<g id=\"percentile-distribution\">\n");
        Text(sb, (Left + Right) / 2, CurveTop - 8, "Latency by percentile distribution", "middle", 13, "curve-title");
        Axes(sb, CurveTop, CurveBottom);
        for (var i = 0; i <= 5; i++)
        {
            var us = maxUs * i / 5;
            var y = Y(us);
            sb.Append(Inv($"<line x1=\"{Left}\" y1=\"{y:0.##}\" x2=\"{Right}\" y2=\"{y:0.##}\" stroke=\"#dddddd\"/>\n"));
            Text(sb, Left - 6, y + 4, Units.Fixed(us, us < 10 ? 1 : 0), "end", 11, null);
        }

        for (var d = 0; d <= decades; d++)
        {
            var x = Left + ((Right - Left) * (double)d / decades);
            var label = d == 0 ? "0%" : (100.0 - (100.0 / Math.Pow(10, d))).ToString("0.#########", CultureInfo.InvariantCulture) + "%";
            sb.Append(Inv($"<line x1=\"{x:0.##}\" y1=\"{CurveTop}\" x2=\"{x:0.##}\" y2=\"{CurveBottom}\" stroke=\"#dddddd\"/>\n"));
            Text(sb, x, CurveBottom + 16, label, "middle", 11, null);
        }

        Text(sb, (Left + Right) / 2, CurveBottom + 36, "Percentile (log scale of 1/(1-p))", "middle", 12, "x-label");
        Text(sb, 22, (CurveTop + CurveBottom) / 2, "Latency (µs)", "middle", 12, "y-label", rotate: true);
        if (report.DeadlineNs / 1000.0 <= maxUs)
        {
            var y = Y(report.DeadlineNs / 1000.0);
            sb.Append(Inv($"<line id=\"deadline\" x1=\"{Left}\" y1=\"{y:0.##}\" x2=\"{Right}\" y2=\"{y:0.##}\" stroke=\"#d62728\" stroke-dasharray=\"6,4\"/>\n"));
            Text(sb, Right - 4, y - 4, $"deadline {Units.Us(report.DeadlineNs)} µs", "end", 11, null);
        }

        if (rows.Count > 0)
        {
            var points = new StringBuilder();
            foreach (var r in rows)
            {
                points.Append(Inv($"{X(r.Percentile):0.##},{Y(r.ValueNs / 1000.0):0.##} "));
            }

            sb.Append(Inv($"<polyline id=\"curve\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"{points.ToString().TrimEnd()}\"/>\n"));
        }
        else
        {
            Text(sb, (Left + Right) / 2, (CurveTop + CurveBottom) / 2, "no data", "middle", 14, null);
        }

        sb.Append("</g>\n");
    }

    private static void Bars(StringBuilder sb, LatencyReport report)
    {
        var timeline = Downsample(report.Timeline, MaxBars, out var secondsPerBar);
        var max = timeline.Length == 0 ? 0 : timeline.Max();
        var maxUs = NiceCeiling(max / 1000.0);
        sb.Append("<g id=\"timeline\">\n");
        var title = secondsPerBar == 1 ? "Maximum latency per second" : $"Maximum latency per {secondsPerBar} seconds";
        Text(sb, (Left + Right) / 2, BarsTop - 8, title, "middle", 13, "timeline-title");
        Axes(sb, BarsTop, BarsBottom);
        for (var i = 0; i <= 5; i++)
        {
            var us = maxUs * i / 5;
            var y = BarsBottom - ((BarsBottom - BarsTop) * us / maxUs);
            sb.Append(Inv($"<line x1=\"{Left}\" y1=\"{y:0.##}\" x2=\"{Right}\" y2=\"{y:0.##}\" stroke=\"#eeeeee\"/>\n"));
            Text(sb, Left - 6, y + 4, Units.Fixed(us, us < 10 ? 1 : 0), "end", 11, null);
        }

        var n = Math.Max(1, timeline.Length);
        var slot = (double)(Right - Left) / n;
        var barWidth = Math.Max(0.5, slot * 0.8);
        for (var i = 0; i < timeline.Length; i++)
        {
            var hgt = (BarsBottom - BarsTop) * (timeline[i] / 1000.0) / maxUs;
            var x = Left + (slot * i) + ((slot - barWidth) / 2);
            var color = timeline[i] >= report.DeadlineNs ? "#d62728" : "#2ca02c";
            sb.Append(Inv($"<rect class=\"bar\" x=\"{x:0.##}\" y=\"{BarsBottom - hgt:0.##}\" width=\"{barWidth:0.##}\" height=\"{hgt:0.##}\" fill=\"{color}\"><title>{i * secondsPerBar} s: {Units.Us(timeline[i])} µs</title></rect>\n"));
        }

        var labelEvery = Math.Max(1, (int)Math.Ceiling(n / 12.0));
        for (var i = 0; i < timeline.Length; i += labelEvery)
        {
            Text(sb, Left + (slot * i) + (slot / 2), BarsBottom + 16, Units.Int(i * (long)secondsPerBar), "middle", 11, null);
        }

        Text(sb, (Left + Right) / 2, BarsBottom + 36, "Time since start (s)", "middle", 12, "timeline-x-label");
        Text(sb, 22, (BarsTop + BarsBottom) / 2, "Max latency (µs)", "middle", 12, "timeline-y-label", rotate: true);
        if (timeline.Length == 0)
        {
            Text(sb, (Left + Right) / 2, (BarsTop + BarsBottom) / 2, "no data", "middle", 14, null);
        }

        sb.Append("</g>\n");
    }

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

    private static void Text(StringBuilder sb, double x, double y, string text, string anchor, int size, string? id, bool rotate = false)
    {
        var idAttr = id is null ? "" : $" id=\"{id}\"";
        var transform = rotate ? Inv($" transform=\"rotate(-90 {x:0.##} {y:0.##})\"") : "";
        sb.Append(Inv($"<text{idAttr} x=\"{x:0.##}\" y=\"{y:0.##}\" text-anchor=\"{anchor}\" font-size=\"{size}\"{transform}>{Escape(text)}</text>\n"));
    }

    /// <summary>1, 2, 2.5 or 5 × 10^n at or above <paramref name="value"/> (at least 1).</summary>
    internal static double NiceCeiling(double value)
    {
        if (value <= 1)
        {
            return 1;
        }

        var p = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var m in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (m * p >= value)
            {
                return m * p;
            }
        }

        return 10 * p;
    }

    private static string Yes(bool b) => b ? "yes" : "no";

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
