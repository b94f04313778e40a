using System.Globalization;
using DpcPi.Reporting;
using Spectre.Console;

namespace DpcPi.Bench;

/// <summary>The <c>dpcpi bench</c> ratio table and goal list, via Spectre.Console.</summary>
public static class BenchTableRenderer
{
    public static void Render(IAnsiConsole console, BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(result);
        var t = new Table().Border(TableBorder.Simple).Title($"ISR→handler hand-off ({Markup.Escape(result.Mode)} mode, {result.ProcessorCount} CPUs)");
        foreach (var c in new[] { "contender", "p50 µs", "p99 µs", "p99.9 µs", "max µs", "p50/raw", "p99/raw", "M int/s", "lost", "B/int" })
        {
            t.AddColumn(new TableColumn(c).RightAligned());
        }

        foreach (var r in result.Results)
        {
            t.AddRow(
                Markup.Escape(r.Name),
                Us(r.P50Ns),
                Us(r.P99Ns),
                Us(r.P999Ns),
                Us(r.MaxNs),
                Ratio(result.RatioToRaw(r, x => x.P50Ns)),
                Ratio(result.RatioToRaw(r, x => x.P99Ns)),
                (r.ThroughputPerSecond / 1e6).ToString("0.00", CultureInfo.InvariantCulture),
                (r.Lost + r.ThroughputLost).ToString(CultureInfo.InvariantCulture),
                r.BytesPerInterrupt.ToString("0.00", CultureInfo.InvariantCulture));
        }

        console.Write(t);
        foreach (var g in result.Goals)
        {
            console.MarkupLine($"{(g.Met ? "[green]MET    [/]" : "[red]NOT MET[/]")} {Markup.Escape(g.Goal)}: {Markup.Escape(g.Detail)}");
        }

        foreach (var r in result.Results.Where(r => r.Notes.Count > 0))
        {
            foreach (var n in r.Notes)
            {
                console.MarkupLine($"[grey]{Markup.Escape(r.Name)}: {Markup.Escape(n)}[/]");
            }
        }

        foreach (var r in result.Results.Where(r => r.QueueWaitP50Ns is not null))
        {
            var line = string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"{r.Name}: queued→DPC start by the kernel's own stamps p50 {r.QueueWaitP50Ns} ns, p99 {r.QueueWaitP99Ns} ns (end to end {r.P50Ns} / {r.P99Ns} ns); the difference is mostly the insert before its queued stamp and the call after the start stamp");
            console.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
        }

        foreach (var n in result.Notes)
        {
            console.MarkupLine($"[yellow]{Markup.Escape(n)}[/]");
        }
    }

    /// <summary>Renders to plain text (no colours).</summary>
    public static string ToText(BenchResult result, int width = 140) => PlainTextConsole.Render(width, console => Render(console, result));

    private static string Us(long ns) => (ns / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Ratio(double? r) => r is null ? "-" : r.Value.ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
