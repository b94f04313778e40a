namespace DpcPi.Kernel;

/// <summary>A snapshot of one DPC's counters.</summary>
public readonly record struct DpcStatistics(
    string Name,
    long RunCount,
    long CoalescedInserts,
    long CoalescedPendingTogether,
    long Exceptions,
    long TotalExecutionNs,
    long MaxExecutionNs,
    Exception? FirstException);
