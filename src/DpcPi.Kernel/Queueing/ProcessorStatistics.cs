namespace DpcPi.Kernel;

/// <summary>A snapshot of one core's DPC queue (its "PRCB" counters).</summary>
public readonly record struct ProcessorStatistics(
    int Cpu,
    long DpcsRun,
    long ThreadedDpcsRun,
    long DpcsQueued,
    long CoalescedInserts,
    long CoalescedPendingTogether,
    long Exceptions,
    int QueueDepth,
    int ThreadedQueueDepth,
    int QueueDepthHighWater,
    long TimeInDpcNs,
    long MaxDpcExecutionNs,
    string? MaxDpcRoutine,
    int MaximumDpcQueueDepth,
    long DpcRequestRate,
    long ClockTicks,
    long WatchdogPerDpcViolations,
    long WatchdogCumulativeViolations);
