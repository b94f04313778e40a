namespace DpcPi.Reporting;

/// <summary>One edge→DPC-start latency at or above the kernel's outlier threshold, with its cycle number.</summary>
public readonly record struct OutlierReport(int Cpu, long Cycle, long LatencyNs);
