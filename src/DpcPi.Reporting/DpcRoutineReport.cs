using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>One DPC object: runs, coalesced inserts, exceptions and its execution-time histogram.</summary>
public sealed record DpcRoutineReport(
    string Name,
    bool Threaded,
    long Runs,
    long Coalesced,
    long Exceptions,
    long MaxExecutionNs,
    double AvgExecutionNs,
    StageStatistics ExecutionTime,
    LatencyHistogram ExecutionTimeHistogram);
