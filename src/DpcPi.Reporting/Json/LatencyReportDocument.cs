using System.Text.Json.Serialization;

namespace DpcPi.Reporting.Json;

// The `dpcpi latency --json` document (docs/latency-report.schema.json), one record per object. Property names
// become the schema's keys through the context's snake_case policy, so a C# name is chosen for the key it makes
// (Mlocked, Cores) and the declaration order is the key order the hand-written writer had. Fields are only ever added.

/// <summary>The whole latency report document.</summary>
internal sealed record LatencyReportDocument(
    int SchemaVersion,
    string Source,
    long DurationNs,
    long DeadlineNs,
    int Cores,
    GuaranteesDocument Guarantees,
    IReadOnlyDictionary<string, StatisticsDocument> Stages,
    long Lost,
    long Merged,
    long Coalesced,
    long CoalescedPendingTogether,
    long Watchdog,
    double? StealPercent,
    CpuDmaLatencyDocument? CpuDmaLatency,
    VerdictDocument Verdict,
    double IsrPercent,
    double DpcPercent,
    long TimeInIsrNs,
    long TimeInDpcNs,
    IReadOnlyList<CoreDocument> PerCore,
    IReadOnlyList<VectorDocument> PerVector,
    IReadOnlyList<DpcDocument> PerDpc,
    IReadOnlyList<TimelineSecondDocument> Timeline,
    long OutlierThresholdNs,
    long OutlierCount,
    IReadOnlyList<OutlierDocument> Outliers,
    LatencyMonDocument Latencymon,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HistogramDocument? Histogram,
    SortedDictionary<string, string> RunInfo,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ServiceDocument? Service,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AttributionDocument? Attribution = null);

internal sealed record GuaranteesDocument(bool Realtime, bool Pinned, bool Mlocked, IReadOnlyList<string> Notes);

/// <summary>One latency distribution (a stage, a core's, a vector's, a DPC's): the figures every report shows.</summary>
internal sealed record StatisticsDocument(long Count, long MinNs, double AvgNs, long P50Ns, long P90Ns, long P99Ns, long P999Ns, long MaxNs)
{
    public static StatisticsDocument From(StageStatistics s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Count, s.MinNs, Math.Round(s.AvgNs, 3), s.P50Ns, s.P90Ns, s.P99Ns, s.P999Ns, s.MaxNs);
    }
}

internal sealed record VerdictDocument(bool Suitable, bool Inconclusive, long MinimumSamples, long MinimumDurationNs, string Text);

/// <summary>Whether /dev/cpu_dma_latency was held at 0 during the measured run, and why not.</summary>
internal sealed record CpuDmaLatencyDocument(bool Held, string Detail);

internal sealed record CoreDocument(
    int Cpu,
    long DpcsRun,
    long ThreadedDpcsRun,
    long Coalesced,
    long CoalescedPendingTogether,
    long Exceptions,
    long TimeInDpcNs,
    long MaxDpcNs,
    string? MaxDpcRoutine,
    int QueueDepthHighWater,
    long Watchdog,
    StatisticsDocument EdgeToDpcStart,
    StatisticsDocument QueueWait,
    StatisticsDocument DpcDuration);

internal sealed record VectorDocument(
    int Vector,
    string Name,
    long Count,
    long Unhandled,
    long SlowIsrs,
    long MaxIsrNs,
    StatisticsDocument EdgeToIsr,
    StatisticsDocument IsrDuration,
    StatisticsDocument EdgeToDpcStart);

internal sealed record DpcDocument(
    string Name,
    bool Threaded,
    long Runs,
    long Coalesced,
    long CoalescedPendingTogether,
    long Exceptions,
    long MaxExecutionNs,
    double AvgExecutionNs,
    StatisticsDocument ExecutionTime);

internal sealed record TimelineSecondDocument(int Second, long MaxNs);

internal sealed record OutlierDocument(int Cpu, long Cycle, long LatencyNs);

/// <summary>LatencyMon's headline figures: the worst ISR and DPC, and its execution-time buckets.</summary>
internal sealed record LatencyMonDocument(
    long MaxIsrNs,
    string? MaxIsrVector,
    long MaxDpcNs,
    string? MaxDpcRoutine,
    IReadOnlyList<BucketDocument> DpcExecutionBuckets,
    IReadOnlyList<BucketDocument> IsrExecutionBuckets);

internal sealed record BucketDocument(long FromUs, long? ToUs, long Count);

/// <summary>cyclictest's histogram (-h): one count per microsecond up to the limit.</summary>
internal sealed record HistogramDocument(int LimitUs, IReadOnlyList<long> Buckets, long Overflows, IReadOnlyList<long> OverflowCycles);

/// <summary>What `dpcpi run` adds: the service's own counters and how it ended.</summary>
internal sealed record ServiceDocument(long Interrupts, long IsrInterrupts, long ClockTicks, long DpcsRun, long Coalesced, long QueuedAfterStop, string? Fault, int ExitCode);

/// <summary>--analyze: the late interrupts taken apart, in total and the first few one by one.</summary>
internal sealed record AttributionDocument(
    long ThresholdNs,
    long Analysed,
    long Missed,
    long TotalNs,
    IReadOnlyList<CauseShareDocument> Parts,
    IReadOnlyList<NamedTimeDocument> TopCulprits,
    long RunRunnableNs,
    long RunMinorFaults,
    long RunMajorFaults,
    string Cause,
    IReadOnlyList<OutlierAttributionDocument> Outliers);

internal sealed record CauseShareDocument(string Cause, string Description, long Ns, double Percent, IReadOnlyList<NamedTimeDocument> Culprits);

internal sealed record NamedTimeDocument(string Name, long Ns);

internal sealed record OutlierAttributionDocument(
    long Cycle,
    int Cpu,
    string Dpc,
    string? Vector,
    long LatencyNs,
    bool OnIsrThread,
    bool WorkerWoke,
    IReadOnlyList<CauseShareDocument> Parts,
    OutlierContextDocument Context,
    string Cause);

internal sealed record OutlierContextDocument(long WindowNs, long IsrThreadRunnableNs, long DpcThreadRunnableNs, long MinorFaults, long MajorFaults, double? StealPercent, int GarbageCollections);
