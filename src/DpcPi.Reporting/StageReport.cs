using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>One latency stage merged over the ISR thread and every core.</summary>
public sealed record StageReport(LatencyStage Stage, string Name, StageStatistics Statistics, LatencyHistogram Histogram)
{
    /// <summary>The name of the measurement rig's stage beside the kernel's (<see cref="LatencyReport.EdgeToServingDpc"/>).</summary>
    public const string EdgeToServingDpcName = "edge_to_serving_dpc";

    /// <summary>The stable snake_case name of a stage (edge_to_isr, isr_duration, queue_wait, dpc_duration, edge_to_dpc_start).</summary>
    public static string NameOf(LatencyStage stage) => stage switch
    {
        LatencyStage.EdgeToIsr => "edge_to_isr",
        LatencyStage.IsrDuration => "isr_duration",
        LatencyStage.QueueWait => "queue_wait",
        LatencyStage.DpcDuration => "dpc_duration",
        LatencyStage.EdgeToDpcStart => "edge_to_dpc_start",
        _ => stage.ToString().ToLowerInvariant(),
    };
}
