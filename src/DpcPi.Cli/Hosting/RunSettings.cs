using DpcPi.Cli.Dashboard;
using DpcPi.Cli.Metrics;
using DpcPi.Measurement;

namespace DpcPi.Cli.Hosting;

/// <summary>The validated settings of `dpcpi run` (docs/configuration.md).</summary>
internal sealed class RunSettings
{
    public required LatencySessionOptions Session { get; init; }

    /// <summary>Run:DurationSeconds; null = until stopped.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Report:Json; null = no JSON report.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Report:DeadlineUs in ns.</summary>
    public long DeadlineNs { get; init; } = 1_000_000;

    /// <summary>Metrics:Otlp:* (docs/dashboard.md).</summary>
    public MetricsSettings Metrics { get; init; } = new();

    /// <summary>Dashboard:Enabled/Address/Port (docs/dashboard.md).</summary>
    public DashboardSettings Dashboard { get; init; } = new();
}
