namespace DpcPi.Reporting;

/// <summary>cyclictest -h: counts of edge→DPC-start in 1 µs buckets up to the limit, the overflow count and the overflow cycles known.</summary>
public sealed record CyclictestHistogram(int LimitUs, IReadOnlyList<long> Buckets, long Overflows, IReadOnlyList<long> OverflowCycles);
