using DpcPi.Cli.Metrics;

namespace DpcPi.Cli.Tests.Dashboard;

public sealed class PrometheusFormatterTests
{
    [Fact]
    public void Format_CoalescedInserts_SplitsPendingTogetherPerCore()
    {
        var view = View(
            new CpuView(0, DpcsRun: 10, Coalesced: 0, CoalescedPendingTogether: 0, 0, 1, 0.5, 0, 0, 0),
            new CpuView(1, DpcsRun: 990, Coalesced: 12, CoalescedPendingTogether: 7, 0, 2, 3.0, 0, 0, 0));

        var families = PrometheusTextParser.Parse(PrometheusFormatter.Format(view));

        Assert.Equal("counter", families["dpcpi_dpc_coalesced_pending_together_total"].Type);
        Assert.Equal(7, Cpu(families, "dpcpi_dpc_coalesced_pending_together_total", 1));
        Assert.Equal(0, Cpu(families, "dpcpi_dpc_coalesced_pending_together_total", 0));
        Assert.Equal(12, Cpu(families, "dpcpi_dpc_coalesced_inserts_total", 1));
    }

    private static double Cpu(IReadOnlyDictionary<string, PromFamily> families, string name, int cpu) =>
        families[name].Samples.Single(s => s.Labels["cpu"] == cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)).Value;

    private static MetricsView View(params CpuView[] cpus) => new()
    {
        Source = "fake",
        Lab = "latency",
        IntervalUs = 1000,
        DeadlineUs = 1000,
        Running = true,
        UptimeSeconds = 1,
        TakenAtUnixMs = 0,
        Completed = cpus.Sum(c => c.DpcsRun),
        InterruptsTotal = cpus.Sum(c => c.DpcsRun + c.Coalesced),
        Vectors = [new VectorView(1, "fake", cpus.Sum(c => c.DpcsRun + c.Coalesced))],
        Cpus = cpus,
        LostEdges = 0,
        MergedEdges = 0,
        TimerExpiriesMerged = 0,
        WatchdogViolations = 0,
        DpcExceptions = 0,
        ClockTicks = 0,
        Guarantees = new GuaranteesView(false, false, false, []),
        Timeline = new TimelineView(0, []),
        DeadlineMisses = 0,
        LastSecondMaxUs = 0,
        AbsoluteMaxUs = 0,
        Stages = [],
    };
}
