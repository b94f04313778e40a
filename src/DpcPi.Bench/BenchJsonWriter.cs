using System.Text.Json;
using DpcPi.Bench.Json;

namespace DpcPi.Bench;

/// <summary>
/// Writes a <see cref="BenchResult"/> as the <c>dpcpi bench --json</c> document (schema: docs/bench-report.schema.json),
/// with the <c>--lines</c> figures and the <c>--cyclictest</c> comparison when those ran; serialized by the generated
/// <see cref="BenchJsonContext"/>.
/// </summary>
public static class BenchJsonWriter
{
    public const int SchemaVersion = 1;

    public static void Write(Stream stream, BenchResult result, IReadOnlyList<LinesCaseResult>? lines = null, IReadOnlyDictionary<string, object?>? timerVsCyclictest = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonSerializer.Serialize(stream, ToDocument(result, lines, timerVsCyclictest), BenchJsonContext.Default.BenchReportDocument);
    }

    public static string ToJson(BenchResult result, IReadOnlyList<LinesCaseResult>? lines = null, IReadOnlyDictionary<string, object?>? timerVsCyclictest = null) =>
        JsonSerializer.Serialize(ToDocument(result, lines, timerVsCyclictest), BenchJsonContext.Default.BenchReportDocument);

    private static BenchReportDocument ToDocument(BenchResult result, IReadOnlyList<LinesCaseResult>? lines, IReadOnlyDictionary<string, object?>? timerVsCyclictest)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new BenchReportDocument(
            SchemaVersion,
            result.Mode,
            result.ProcessorCount,
            [.. result.Results.Select(r => new ContenderDocument(
                r.Name, r.P50Ns, r.P90Ns, r.P99Ns, r.P999Ns, r.MaxNs, r.MinNs, Math.Round(r.AvgNs, 3), r.Count, r.Lost,
                Math.Round(r.ThroughputPerSecond, 1), r.ThroughputProduced, r.ThroughputHandled, r.ThroughputLost, Math.Round(r.BytesPerInterrupt, 4),
                Round(result.RatioToRaw(r, x => x.P50Ns)), Round(result.RatioToRaw(r, x => x.P99Ns)),
                r.QueueWaitP50Ns, r.QueueWaitP99Ns, r.StealPercent is { } steal ? Math.Round(steal, 2) : null, r.RoundP50Ns, r.Notes))],
            [.. result.Goals.Select(g => new GoalDocument(g.Goal, g.Met, g.Detail))],
            result.Notes,
            lines is { Count: > 0 }
                ? new ManyLinesDocument(ManyLinesBench.InFlight, [.. lines.Select(c => new LinesCaseDocument(c.Lines, c.Edges, Math.Round(c.NsPerEdge, 1), Math.Round(c.NsPerEdge / lines[0].NsPerEdge, 3), c.Lost))])
                : null,
            timerVsCyclictest);
    }

    private static double? Round(double? ratio) => ratio is { } r ? Math.Round(r, 3) : null;
}
