using System.Globalization;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;
using Spectre.Console;

namespace DpcPi.Reporting;

/// <summary>
/// Renders a <see cref="LatencyReport"/> to a terminal the way the familiar tools show it:
/// cyclictest (min/avg/max per source and core, -h histogram), LatencyMon (highest ISR and DPC,
/// execution-time buckets, % time, verdict), DPC Latency Checker (per-second bars), loss and guarantees.
/// </summary>
public static class TerminalReportRenderer
{
    /// <summary>Most bars in the DPC Latency Checker timeline; longer runs are grouped (max per group).</summary>
    public const int MaxTimelineBars = 60;

    public static void Render(IAnsiConsole console, LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        Cyclictest(console, report);
        LatencyMon(console, report);
        LatencyChecker(console, report);
        Loss(console, report);
        Guarantees(console, report);
        AttributionRenderer.Render(console, report);
    }

    private static void Section(IAnsiConsole console, string title)
    {
        console.WriteLine();
        console.Write(new Rule($"[bold]{Markup.Escape(title)}[/]") { Justification = Justify.Left });
    }

    private static void Cyclictest(IAnsiConsole console, LatencyReport r)
    {
        Section(console, "cyclictest view: edge→DPC-start (µs)");
        var t = new Table().Border(TableBorder.Simple);
        foreach (var c in new[] { "T", "Source", "CPU", "Count", "Min", "Avg", "p99", "Max" })
        {
            t.AddColumn(new TableColumn(c).RightAligned());
        }

        var i = 0;
        foreach (var c in r.Cores)
        {
            var s = c.EdgeToDpcStart;
            t.AddRow(Units.Int(i++), Markup.Escape(r.Source), Units.Int(c.Cpu), Units.Int(s.Count), Units.Us(s.MinNs), Units.Us(s.AvgNs), Units.Us(s.P99Ns), Units.Us(s.MaxNs));
        }

        var all = r.EdgeToDpcStart.Statistics;
        t.AddRow("all", Markup.Escape(r.Source), "*", Units.Int(all.Count), Units.Us(all.MinNs), Units.Us(all.AvgNs), Units.Us(all.P99Ns), Units.Us(all.MaxNs));
        console.Write(t);

        console.Write(console.Profile.Width >= WideTableWidth ? StagesWide(r) : StagesNarrow(r));
        if (r.EdgeToServingDpc is { Count: > 0 } serving)
        {
            // edge→DPC start has one sample per DPC run; this line keeps the interrupts a DpcForIsr coalesced.
            console.MarkupLine($"every interrupt, coalesced ones too: edge→serving DPC p50 {Units.Us(serving.P50Ns)} µs, p99 {Units.Us(serving.P99Ns)} µs, max {Units.Us(serving.MaxNs)} µs ({Units.Int(serving.Count)} interrupts)");
        }

        if (r.Histogram is { } h)
        {
            var ht = new Table().Border(TableBorder.Simple).Title($"histogram (-h {h.LimitUs}): 1 µs buckets of edge→DPC-start");
            ht.AddColumn(new TableColumn("µs").RightAligned());
            ht.AddColumn(new TableColumn("count").RightAligned());
            for (var us = 0; us < h.Buckets.Count; us++)
            {
                if (h.Buckets[us] != 0)
                {
                    ht.AddRow(Units.Int(us), Units.Int(h.Buckets[us]));
                }
            }

            console.Write(ht);
            console.MarkupLine($"# Histogram Overflows: {h.Overflows}");
            var cycles = h.OverflowCycles.Count == 0 ? "none recorded" : string.Join(' ', h.OverflowCycles.Take(100));
            console.MarkupLine($"# Histogram Overflow at cycle number: {Markup.Escape(cycles)}");
            if (h.Overflows > h.OverflowCycles.Count)
            {
                console.MarkupLine($"[grey]# cycle numbers are kept for latencies >= {Units.Us(r.OutlierThresholdNs)} µs (the kernel's outlier threshold); {h.Overflows - h.OverflowCycles.Count} overflow(s) have no cycle number[/]");
            }
        }
    }

    private static Table StagesWide(LatencyReport r)
    {
        var stages = new Table().Border(TableBorder.Simple).Title("stages (µs)");
        foreach (var c in new[] { "Stage", "Count", "Min", "Avg", "p50", "p90", "p99", "p99.9", "Max" })
        {
            stages.AddColumn(new TableColumn(c).RightAligned());
        }

        foreach (var s in r.Stages)
        {
            var st = s.Statistics;
            stages.AddRow(s.Name, Units.Int(st.Count), Units.Us(st.MinNs), Units.Us(st.AvgNs), Units.Us(st.P50Ns), Units.Us(st.P90Ns), Units.Us(st.P99Ns), Units.Us(st.P999Ns), Units.Us(st.MaxNs));
        }

        return stages;
    }

    // A column per stage: five numbers a row fit 80 columns, nine did not.
    private static Table StagesNarrow(LatencyReport r)
    {
        var stages = new Table().Border(TableBorder.Simple).Title("stages (µs)");
        stages.AddColumn(new TableColumn(""));
        foreach (var s in r.Stages)
        {
            stages.AddColumn(new TableColumn(ShortStageName(s.Stage)).RightAligned());
        }

        var rows = new (string Name, Func<StageStatistics, string> Value)[]
        {
            ("count", st => Units.Int(st.Count)), ("min", st => Units.Us(st.MinNs)), ("avg", st => Units.Us(st.AvgNs)),
            ("p50", st => Units.Us(st.P50Ns)), ("p90", st => Units.Us(st.P90Ns)), ("p99", st => Units.Us(st.P99Ns)),
            ("p99.9", st => Units.Us(st.P999Ns)), ("max", st => Units.Us(st.MaxNs)),
        };
        foreach (var (name, value) in rows)
        {
            stages.AddRow(new[] { name }.Concat(r.Stages.Select(s => value(s.Statistics))).ToArray());
        }

        return stages;
    }

    private static string ShortStageName(LatencyStage stage) => stage switch
    {
        LatencyStage.EdgeToIsr => "edge→ISR",
        LatencyStage.IsrDuration => "ISR",
        LatencyStage.QueueWait => "queue",
        LatencyStage.DpcDuration => "DPC",
        LatencyStage.EdgeToDpcStart => "edge→DPC",
        _ => StageReport.NameOf(stage),
    };

    private static void LatencyMon(IAnsiConsole console, LatencyReport r)
    {
        Section(console, "LatencyMon view");
        var t = new Table().Border(TableBorder.Simple).HideHeaders();
        t.AddColumn("item");
        t.AddColumn("value");
        t.AddRow("Highest ISR execution time (µs)", Markup.Escape($"{Units.Us(r.MaxIsrNs)}{(r.MaxIsrVector is null ? "" : "  (" + r.MaxIsrVector + ")")}"));
        t.AddRow("Highest DPC execution time (µs)", Markup.Escape($"{Units.Us(r.MaxDpcNs)}{(r.MaxDpcRoutine is null ? "" : "  (" + r.MaxDpcRoutine + ")")}"));
        t.AddRow("Total time in ISRs (%)", Units.Fixed(r.IsrPercent, 4));
        t.AddRow("Total time in DPCs (%)", Units.Fixed(r.DpcPercent, 4));
        t.AddRow("Run duration (s)", Units.Fixed(r.DurationNs / 1e9, 3));
        console.Write(t);

        var b = new Table().Border(TableBorder.Simple).Title("execution time buckets (µs)");
        b.AddColumn("bucket");
        b.AddColumn(new TableColumn("DPC count").RightAligned());
        b.AddColumn(new TableColumn("ISR count").RightAligned());
        for (var i = 0; i < r.DpcExecutionBuckets.Count; i++)
        {
            b.AddRow(Markup.Escape(r.DpcExecutionBuckets[i].Label), Units.Int(r.DpcExecutionBuckets[i].Count), Units.Int(r.IsrExecutionBuckets[i].Count));
        }

        console.Write(b);
        if (r.Dpcs.Count > 0)
        {
            var d = new Table().Border(TableBorder.Simple).Title("DPC routines");
            var narrow = console.Profile.Width < WideTableWidth;
            var headers = narrow ? new[] { "Routine", "Runs", "Coal.", "Exc.", "Avg µs", "p99 µs", "Max µs" } : ["Routine", "Runs", "Coalesced", "Exceptions", "Avg µs", "p99 µs", "Max µs"];
            foreach (var c in headers)
            {
                // Numbers never wrap (a wrapped 1469.7/77 reads as two figures); names do.
                d.AddColumn(c == "Routine" ? new TableColumn(c) : new TableColumn(c).NoWrap());
            }

            foreach (var x in r.Dpcs)
            {
                d.AddRow(Markup.Escape(x.Name), Units.Int(x.Runs), Units.Int(x.Coalesced), Units.Int(x.Exceptions), Units.Us(x.AvgExecutionNs), Units.Us(x.ExecutionTime.P99Ns), Units.Us(x.MaxExecutionNs));
            }

            console.Write(d);
        }

        if (r.Vectors.Count > 0)
        {
            var v = new Table().Border(TableBorder.Simple).Title("interrupt vectors (times in µs)");
            var narrow = console.Profile.Width < WideTableWidth;
            var headers = narrow
                ? new[] { "Vec", "Name", "Count", "Unh.", "Slow", "ISR max", "→ISR p99", "→DPC p99" }
                : ["Vector", "Name", "Count", "Unhandled", "Slow ISRs", "Max ISR µs", "edge→ISR p99 µs", "edge→DPC p99 µs"];
            foreach (var c in headers)
            {
                v.AddColumn(c == "Name" ? new TableColumn(c) : new TableColumn(c).NoWrap());
            }

            foreach (var x in r.Vectors)
            {
                v.AddRow(Units.Int(x.Vector), Markup.Escape(x.Name), Units.Int(x.Count), Units.Int(x.Unhandled), Units.Int(x.SlowIsrs), Units.Us(x.MaxIsrNs), Units.Us(x.EdgeToIsr.P99Ns), Units.Us(x.EdgeToDpcStart.P99Ns));
            }

            console.Write(v);
        }

        var color = r.Suitable ? "green" : r.Conclusive ? "red" : "yellow";
        console.MarkupLine($"[bold {color}]Verdict:[/] {Markup.Escape(r.Verdict)}");
    }

    private static void LatencyChecker(IAnsiConsole console, LatencyReport r)
    {
        Section(console, "DPC Latency Checker view: maximum edge→DPC-start per second");
        var bars = SvgPlotWriter.Downsample(r.Timeline, MaxTimelineBars, out var perBar);
        if (bars.Length == 0)
        {
            console.MarkupLine("[grey]no timeline (nothing ran)[/]");
        }
        else
        {
            // Bars on a log axis, as the SVG's: one spike a thousand times the rest must not press every other
            // second, and the deadline, into a zero-length bar. Each bar's own value is in its label.
            // Half the smallest bar as the axis' low end, so the smallest second still shows a bar.
            var axis = LogAxis.Spanning(bars.Select(b => b / 1000.0).Append(r.DeadlineNs / 1000.0).Append(bars.Where(b => b > 0).DefaultIfEmpty(2_000).Min() / 2000.0));
            var per = perBar == 1 ? "1 bar/s" : $"1 bar/{perBar} s";
            var chart = new BarChart().Width(Math.Min(100, console.Profile.Width)).WithMaxValue(1000).HideValues()
                .Label(string.Create(CultureInfo.InvariantCulture, $"log scale {LogAxis.Label(axis.LowUs)}–{LogAxis.Label(axis.HighUs)}, {per}, deadline {LogAxis.Label(r.DeadlineNs / 1000.0)} at {axis.Fraction(r.DeadlineNs / 1000.0) * 100:0} %"));
            for (var i = 0; i < bars.Length; i++)
            {
                var us = bars[i] / 1000.0;
                chart.AddItem($"{i * perBar,6} s {LogAxis.Label(Math.Round(us, 1)),9}", Math.Max(1, Math.Round(axis.Fraction(us) * 1000)), bars[i] >= r.DeadlineNs ? Color.Red : Color.Green);
            }

            console.Write(chart);
        }

        console.MarkupLine($"Absolute maximum: {Units.Us(r.EdgeToDpcStart.Statistics.MaxNs)} µs (deadline {Units.Us(r.DeadlineNs)} µs)");
    }

    private static void Loss(IAnsiConsole console, LatencyReport r)
    {
        Section(console, "Loss");
        var t = new Table().Border(TableBorder.Simple);
        foreach (var c in new[] { "lost", "merged", "coalesced", "watchdog", "outliers" })
        {
            t.AddColumn(new TableColumn(c).RightAligned());
        }

        t.AddRow(Units.Int(r.Lost), Units.Int(r.Merged), Units.Int(r.Coalesced), Units.Int(r.Watchdog), Units.Int(r.OutlierCount));
        console.Write(t);
        if (r.Coalesced > 0)
        {
            // Why a DPC ran fewer times than its interrupts: the two causes call for different fixes.
            console.MarkupLine($"coalesced: {Units.Int(r.CoalescedPendingTogether)} came from interrupts pending together (dispatched in one ISR pass, so the DPC could not run between them); {Units.Int(r.Coalesced - r.CoalescedPendingTogether)} found a DPC queued earlier that had not started");
        }
    }

    private static void Guarantees(IAnsiConsole console, LatencyReport r)
    {
        Section(console, "Guarantees");
        var g = r.Guarantees;
        console.MarkupLine($"realtime={(g.Realtime ? "[green]yes[/]" : "[red]no[/]")} pinned={(g.Pinned ? "[green]yes[/]" : "[red]no[/]")} mlocked={(g.MemoryLocked ? "[green]yes[/]" : "[red]no[/]")}");
        foreach (var n in g.Notes)
        {
            console.MarkupLine($"  - {Markup.Escape(n)}");
        }

        var missing = g.Missing();
        if (missing.Count > 0)
        {
            console.MarkupLine($"[yellow]These figures were measured without {Markup.Escape(string.Join(", ", missing))}.[/]");
        }

        if (r.CpuDmaLatency is { } dma)
        {
            var text = $"cpu_dma_latency: {dma.Detail}";
            console.MarkupLine(dma.Held ? Markup.Escape(text) : $"[yellow]{Markup.Escape(text)}[/]");
        }

        if (r.StealPercent is { } steal)
        {
            var text = $"hypervisor steal: {CpuTimes.Format(steal)} of the measured CPUs' time";
            console.MarkupLine(steal >= CpuTimes.StealWorthNoting ? $"[yellow]{text} (the host's delays are in these figures)[/]" : text);
        }

        foreach (var (k, v) in r.RunInfo.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            console.MarkupLine($"  {Markup.Escape(k)}: {Markup.Escape(v)}");
        }
    }

    /// <summary>Renders to plain text (no colours) at <paramref name="width"/> columns.</summary>
    public static string ToText(LatencyReport report, int width = 140) => PlainTextConsole.Render(width, console => Render(console, report));

    /// <summary>Renders for a terminal of <paramref name="style"/>'s width, with ANSI colours when it says so.</summary>
    public static string ToText(LatencyReport report, TerminalStyle style)
    {
        ArgumentNullException.ThrowIfNull(style);
        return PlainTextConsole.Render(style.Width, style.Colour, console => Render(console, report));
    }

    /// <summary>Below this width the stage table is turned on its side (a column per stage) so that it fits 80 columns.</summary>
    internal const int WideTableWidth = 120;

    internal static string StageLabel(LatencyStage stage) => StageReport.NameOf(stage);
}
