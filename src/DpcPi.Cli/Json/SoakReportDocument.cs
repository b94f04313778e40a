namespace DpcPi.Cli.Json;

// The `dpcpi soak --json` document. Property names become its keys through the context's snake_case policy;
// declaration order is key order. Fields are only ever added.

/// <summary>A soak run: its source and totals, every window's sample, and the drift verdict.</summary>
internal sealed record SoakReportDocument(
    string Source,
    long IntervalUs,
    double WindowS,
    long Interrupts,
    long DpcRuns,
    long Lost,
    long Merged,
    bool Realtime,
    IReadOnlyList<SoakWindowDocument> Windows,
    SoakVerdictDocument Verdict);

internal sealed record SoakWindowDocument(
    int Window,
    double ElapsedS,
    long Interrupts,
    long WindowCount,
    long WorkingSetBytes,
    int Gen0,
    int Gen1,
    int Gen2,
    long AllocatedBytes,
    long P99Ns,
    long MaxNs);

internal sealed record SoakVerdictDocument(
    bool Drift,
    int SteadyFromWindow,
    long WorkingSetGrowthBytes,
    long Gen2InSteadyState,
    double AllocatedBytesPerSecond,
    long P99FirstNs,
    long P99LastNs);
