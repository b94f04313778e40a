using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>One DPC object: runs, coalesced inserts (and how many of them were pending together), exceptions and its execution-time histogram.</summary>
public sealed record DpcRoutineReport(
    string Name,
    bool Threaded,
    long Runs,
    long Coalesced,
    long CoalescedPendingTogether,
    long Exceptions,
    long MaxExecutionNs,
    double AvgExecutionNs,
    StageStatistics ExecutionTime,
    LatencyHistogram ExecutionTimeHistogram);
