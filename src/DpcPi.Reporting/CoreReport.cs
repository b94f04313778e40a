namespace DpcPi.Reporting;

/// <summary>One core's DPC queue: its counters and its worker's latencies (normal and threaded lanes merged).</summary>
public sealed record CoreReport(
    int Cpu,
    long DpcsRun,
    long ThreadedDpcsRun,
    long CoalescedInserts,
    long CoalescedPendingTogether,
    long Exceptions,
    long TimeInDpcNs,
    long MaxDpcExecutionNs,
    string? MaxDpcRoutine,
    int QueueDepthHighWater,
    long WatchdogViolations,
    StageStatistics EdgeToDpcStart,
    StageStatistics QueueWait,
    StageStatistics DpcDuration);
