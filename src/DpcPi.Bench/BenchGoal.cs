namespace DpcPi.Bench;

/// <summary>A benchmark goal and whether this run met it (a figure to report, never a test assertion).</summary>
public sealed record BenchGoal(string Goal, bool Met, string Detail);
