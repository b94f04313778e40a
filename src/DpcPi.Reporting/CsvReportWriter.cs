using System.Globalization;

namespace DpcPi.Reporting;

/// <summary>
/// CSV exports: one table with a row per stage, core, vector and DPC routine (and metric), and the
/// per-second maximum timeline as <c>second,max_ns</c>.
/// </summary>
public static class CsvReportWriter
{
    public const string Header = "kind,name,metric,count,min_ns,avg_ns,p50_ns,p90_ns,p99_ns,p999_ns,max_ns";

    public static void WriteStatistics(TextWriter writer, LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        writer.Write(Header + "\n");
        foreach (var s in report.Stages)
        {
            Row(writer, "stage", s.Name, s.Name, s.Statistics);
        }

        if (report.EdgeToServingDpc is { } serving)
        {
            Row(writer, "stage", StageReport.EdgeToServingDpcName, StageReport.EdgeToServingDpcName, serving);
        }

        foreach (var c in report.Cores)
        {
            var name = "cpu" + c.Cpu.ToString(CultureInfo.InvariantCulture);
            Row(writer, "core", name, "edge_to_dpc_start", c.EdgeToDpcStart);
            Row(writer, "core", name, "queue_wait", c.QueueWait);
            Row(writer, "core", name, "dpc_duration", c.DpcDuration);
        }

        foreach (var v in report.Vectors)
        {
            Row(writer, "vector", v.Name, "edge_to_isr", v.EdgeToIsr);
            Row(writer, "vector", v.Name, "isr_duration", v.IsrDuration);
            Row(writer, "vector", v.Name, "edge_to_dpc_start", v.EdgeToDpcStart);
        }

        foreach (var d in report.Dpcs)
        {
            Row(writer, "dpc", d.Name, "execution_time", d.ExecutionTime);
        }
    }

    public static void WriteTimeline(TextWriter writer, LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        writer.Write("second,max_ns\n");
        for (var s = 0; s < report.Timeline.Count; s++)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{s},{report.Timeline[s]}\n"));
        }
    }

    private static void Row(TextWriter w, string kind, string name, string metric, StageStatistics s) =>
        w.Write(string.Create(CultureInfo.InvariantCulture,
            $"{kind},{Quote(name)},{metric},{s.Count},{s.MinNs},{s.AvgNs:0.###},{s.P50Ns},{s.P90Ns},{s.P99Ns},{s.P999Ns},{s.MaxNs}\n"));

    internal static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
