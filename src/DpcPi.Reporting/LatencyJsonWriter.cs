using System.Text.Json;
using DpcPi.Measurement;
using DpcPi.Reporting.Json;

namespace DpcPi.Reporting;

/// <summary>
/// Writes a <see cref="LatencyReport"/> as the <c>dpcpi latency --json</c> document (schema:
/// docs/latency-report.schema.json): the report mapped to <see cref="LatencyReportDocument"/> and serialized by the
/// generated <see cref="ReportingJsonContext"/>. Keys are stable snake_case; fields are only ever added.
/// </summary>
public static class LatencyJsonWriter
{
    public const int SchemaVersion = 1;

    public static void Write(Stream stream, LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonSerializer.Serialize(stream, ToDocument(report), ReportingJsonContext.Default.LatencyReportDocument);
    }

    public static string ToJson(LatencyReport report) =>
        JsonSerializer.Serialize(ToDocument(report), ReportingJsonContext.Default.LatencyReportDocument);

    internal static LatencyReportDocument ToDocument(LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var g = report.Guarantees;
        return new LatencyReportDocument(
            SchemaVersion,
            report.Source,
            report.DurationNs,
            report.DeadlineNs,
            report.CoreCount,
            new GuaranteesDocument(g.Realtime, g.Pinned, g.MemoryLocked, g.Notes),
            Stages(report),
            report.Lost,
            report.Merged,
            report.Coalesced,
            report.CoalescedPendingTogether,
            report.Watchdog,
            report.StealPercent is { } steal ? Math.Round(steal, 2) : null,
            report.CpuDmaLatency is { } dma ? new CpuDmaLatencyDocument(dma.Held, dma.Detail) : null,
            new VerdictDocument(report.Suitable, report.EdgeToDpcStart.Statistics.Count > 0 && !report.Conclusive, report.MinimumSamples, report.MinimumDurationNs, report.Verdict),
            Math.Round(report.IsrPercent, 6),
            Math.Round(report.DpcPercent, 6),
            report.TimeInIsrNs,
            report.TimeInDpcNs,
            [.. report.Cores.Select(c => new CoreDocument(
                c.Cpu, c.DpcsRun, c.ThreadedDpcsRun, c.CoalescedInserts, c.CoalescedPendingTogether, c.Exceptions, c.TimeInDpcNs, c.MaxDpcExecutionNs, c.MaxDpcRoutine,
                c.QueueDepthHighWater, c.WatchdogViolations, Stats(c.EdgeToDpcStart), Stats(c.QueueWait), Stats(c.DpcDuration)))],
            [.. report.Vectors.Select(v => new VectorDocument(
                v.Vector, v.Name, v.Count, v.Unhandled, v.SlowIsrs, v.MaxIsrNs, Stats(v.EdgeToIsr), Stats(v.IsrDuration), Stats(v.EdgeToDpcStart)))],
            [.. report.Dpcs.Select(d => new DpcDocument(
                d.Name, d.Threaded, d.Runs, d.Coalesced, d.CoalescedPendingTogether, d.Exceptions, d.MaxExecutionNs, Math.Round(d.AvgExecutionNs, 3), Stats(d.ExecutionTime)))],
            [.. report.Timeline.Select((max, second) => new TimelineSecondDocument(second, max))],
            report.OutlierThresholdNs,
            report.OutlierCount,
            [.. report.Outliers.Select(o => new OutlierDocument(o.Cpu, o.Cycle, o.LatencyNs))],
            new LatencyMonDocument(report.MaxIsrNs, report.MaxIsrVector, report.MaxDpcNs, report.MaxDpcRoutine, Buckets(report.DpcExecutionBuckets), Buckets(report.IsrExecutionBuckets)),
            report.Histogram is { } h ? new HistogramDocument(h.LimitUs, h.Buckets, h.Overflows, h.OverflowCycles) : null,
            new SortedDictionary<string, string>(report.RunInfo.ToDictionary(), StringComparer.Ordinal),
            report.Service is { } s
                ? new ServiceDocument(s.Interrupts, s.IsrInterrupts, s.ClockTicks, s.DpcsRun, s.Coalesced, s.QueuedAfterStop, s.Fault, s.ExitCode)
                : null,
            report.Attribution is { } a ? Attribution(a) : null);
    }

    private static Dictionary<string, StatisticsDocument> Stages(LatencyReport report)
    {
        var stages = report.Stages.ToDictionary(s => s.Name, s => Stats(s.Statistics));
        if (report.EdgeToServingDpc is { } serving)
        {
            stages[StageReport.EdgeToServingDpcName] = Stats(serving);
        }

        return stages;
    }

    /// <summary>Outliers the JSON lists one by one (all of them are in the totals).</summary>
    internal const int AttributedOutliersListed = 20;

    private static AttributionDocument Attribution(AttributionSummary a)
    {
        var total = a.TotalNs;
        return new AttributionDocument(
            a.ThresholdNs,
            a.Analysed,
            a.Missed,
            total,
            Parts(a.Totals, total),
            [.. a.TopCulprits.Select(n => new NamedTimeDocument(n.Name, n.Ns))],
            a.RunRunnableNs,
            a.RunMinorFaults,
            a.RunMajorFaults,
            a.Cause,
            [.. a.Outliers.Take(AttributedOutliersListed).Select(o => new OutlierAttributionDocument(
                o.Cycle, o.Cpu, o.Dpc, o.Vector, o.LatencyNs, o.OnIsrThread, o.WorkerWoke, Parts(o.Parts, o.LatencyNs),
                new OutlierContextDocument(o.Context.WindowNs, o.Context.IsrThreadRunnableNs, o.Context.DpcThreadRunnableNs, o.Context.MinorFaults,
                    o.Context.MajorFaults, o.Context.StealPercent is { } st ? Math.Round(st, 2) : null, o.Context.GarbageCollections),
                o.Cause))]);
    }

    private static CauseShareDocument[] Parts(IReadOnlyList<CauseShare> parts, long total) =>
        [.. parts.Select(p => new CauseShareDocument(AttributionSummary.Key(p.Cause), AttributionSummary.Describe(p.Cause), p.Ns,
            Math.Round(AttributionSummary.Percent(p.Ns, total), 2), [.. p.Culprits.Select(n => new NamedTimeDocument(n.Name, n.Ns))]))];

    private static StatisticsDocument Stats(StageStatistics s) => StatisticsDocument.From(s);

    private static BucketDocument[] Buckets(IReadOnlyList<LatencyBucket> buckets) => [.. buckets.Select(b => new BucketDocument(b.FromUs, b.ToUs, b.Count))];
}
