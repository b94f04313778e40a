using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>One interrupt vector: counts and its three histograms.</summary>
public sealed record VectorReport(
    int Vector,
    string Name,
    long Count,
    long Unhandled,
    long SlowIsrs,
    long MaxIsrNs,
    StageStatistics EdgeToIsr,
    StageStatistics IsrDuration,
    StageStatistics EdgeToDpcStart,
    LatencyHistogram EdgeToDpcStartHistogram);
