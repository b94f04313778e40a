using System.Globalization;
using DpcPi.Measurement;
using Spectre.Console;

namespace DpcPi.Reporting;

/// <summary>
/// The terminal's "why was it late" section (<c>--analyze</c>), as rtla timerlat -a prints its breakdown: every
/// analysed interrupt's edge→DPC start summed by cause with percentages, who ran ahead of them (as LatencyMon names
/// drivers), the first few one by one with a plain-language cause, and what the kernel's threads went through.
/// </summary>
public static class AttributionRenderer
{
    /// <summary>Outliers shown one by one (all of them are in the totals).</summary>
    public const int OutliersShown = 5;

    public static void Render(IAnsiConsole console, LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Attribution is { } a)
        {
            Render(console, a);
        }
    }

    /// <summary>The section as plain text (for runs that print no full report, such as `dpcpi soak`).</summary>
    public static string ToText(AttributionSummary attribution, int width = 100) => PlainTextConsole.Render(width, console => Render(console, attribution));

    public static void Render(IAnsiConsole console, AttributionSummary a)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(a);
        console.WriteLine();
        console.Write(new Rule($"[bold]{Markup.Escape($"Why was it late: interrupts at or over {Units.Us(a.ThresholdNs)} µs edge→DPC-start")}[/]") { Justification = Justify.Left });
        console.WriteLine(Invariant($"analysed {a.Analysed}{(a.Missed > 0 ? $", not analysed {a.Missed} (late while the recorder held another)" : string.Empty)}"));
        if (a.Analysed > 0)
        {
            console.Write(Breakdown(a.Totals, a.TotalNs, "all analysed (µs)"));
            if (a.TopCulprits.Count > 0)
            {
                console.WriteLine("ran ahead of them: " + string.Join(", ", a.TopCulprits.Select(n => Invariant($"{n.Name} {Units.Us(n.Ns)} µs"))));
            }

            foreach (var o in a.Outliers.Take(OutliersShown))
            {
                console.WriteLine();
                console.WriteLine(Invariant($"cycle {o.Cycle}, {o.Dpc} on CPU {o.Cpu}{(o.OnIsrThread ? " (on the ISR thread)" : string.Empty)}: {Units.Us(o.LatencyNs)} µs"));
                console.Write(Breakdown(o.Parts, o.LatencyNs, null));
                var c = o.Context;
                console.WriteLine(Invariant($"  nearby ({c.WindowNs / 1_000_000.0:0.#} ms): ISR thread runnable-not-running {Units.Us(c.IsrThreadRunnableNs)} µs, DPC thread {Units.Us(c.DpcThreadRunnableNs)} µs; page faults {c.MinorFaults} minor / {c.MajorFaults} major; steal {(c.StealPercent is { } s ? s.ToString("0.#", CultureInfo.InvariantCulture) + "%" : "n/a")}; GCs {c.GarbageCollections}"));
                console.WriteLine("  " + o.Cause);
            }
        }

        console.WriteLine();
        console.WriteLine(Invariant($"whole run, kernel threads: runnable-not-running {Units.Us(a.RunRunnableNs)} µs, page faults {a.RunMinorFaults} minor / {a.RunMajorFaults} major"));
        console.WriteLine(a.Cause);
    }

    private static Table Breakdown(IReadOnlyList<CauseShare> parts, long total, string? title)
    {
        var t = new Table().Border(TableBorder.Simple);
        if (title is not null)
        {
            t.Title(Markup.Escape(title));
        }

        t.AddColumn("Part");
        t.AddColumn(new TableColumn("µs").RightAligned());
        t.AddColumn(new TableColumn("%").RightAligned());
        t.AddColumn("Who");
        foreach (var p in parts.Where(p => p.Ns > 0))
        {
            t.AddRow(
                Markup.Escape(AttributionSummary.Describe(p.Cause)),
                Units.Us(p.Ns),
                AttributionSummary.Percent(p.Ns, total).ToString("0.0", CultureInfo.InvariantCulture),
                Markup.Escape(string.Join(", ", p.Culprits.Select(n => Invariant($"{n.Name} {Units.Us(n.Ns)}")))));
        }

        return t;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
