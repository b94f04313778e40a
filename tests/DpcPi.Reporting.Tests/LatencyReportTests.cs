using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting.Tests;

public sealed class LatencyReportTests
{
    private static long Hev(long v) => LatencyHistogram.HighestEquivalentValue(v);

    [Fact]
    public void FromKernel_ManualScenario_StagesHaveExactFigures()
    {
        using var s = new ReportScenario();
        var r = s.Report();

        var e2d = r.EdgeToDpcStart.Statistics;
        Assert.Equal(100, e2d.Count);
        Assert.Equal(ReportScenario.Latency(0), e2d.MinNs);
        Assert.Equal(ReportScenario.Latency(99), e2d.MaxNs);
        Assert.Equal(Math.Min(Hev(ReportScenario.Latency(49)), e2d.MaxNs), e2d.P50Ns);
        Assert.Equal(Math.Min(Hev(ReportScenario.Latency(98)), e2d.MaxNs), e2d.P99Ns);
        Assert.Equal(ReportScenario.Latency(99), e2d.P999Ns);
        Assert.Equal(Enumerable.Range(0, 100).Average(i => (double)ReportScenario.Latency(i)), e2d.AvgNs, 6);

        var e2i = r[LatencyStage.EdgeToIsr].Statistics;
        Assert.Equal((100, 2_000L, 2_000L), (e2i.Count, e2i.MinNs, e2i.MaxNs));
        var isr = r[LatencyStage.IsrDuration].Statistics;
        Assert.Equal((100, 1_000L, 1_000L), (isr.Count, isr.MinNs, isr.MaxNs));
        var wait = r[LatencyStage.QueueWait].Statistics;
        Assert.Equal((100, 1_000L, 100_000L), (wait.Count, wait.MinNs, wait.MaxNs));
        var dpc = r[LatencyStage.DpcDuration].Statistics;
        Assert.Equal((100, 10_000L, 300_000L), (dpc.Count, dpc.MinNs, dpc.MaxNs));
    }

    [Fact]
    public void FromKernel_ManualScenario_CoresVectorsDpcsAndCountersAreExact()
    {
        using var s = new ReportScenario();
        var r = s.Report();

        Assert.Equal([0, 1], r.Cores.Select(c => c.Cpu));
        Assert.Equal(100, r.Cores[0].DpcsRun);
        Assert.Equal(100, r.Cores[0].EdgeToDpcStart.Count);
        Assert.Equal(0, r.Cores[1].EdgeToDpcStart.Count);
        Assert.Equal(1, r.Cores[1].CoalescedInserts);

        var v = Assert.Single(r.Vectors);
        Assert.Equal((1, "gpio17", 100L, 0L, 1_000L), (v.Vector, v.Name, v.Count, v.Unhandled, v.MaxIsrNs));
        Assert.Equal(ReportScenario.Latency(99), v.EdgeToDpcStart.MaxNs);

        var test = Assert.Single(r.Dpcs, d => d.Name == "TestDpc");
        Assert.Equal((100L, 0L, 0L, 300_000L), (test.Runs, test.Coalesced, test.Exceptions, test.MaxExecutionNs));
        Assert.Equal(((99 * 10_000) + 300_000) / 100.0, test.AvgExecutionNs, 6);
        Assert.Equal(1, Assert.Single(r.Dpcs, d => d.Name == "Other").Coalesced);

        Assert.Equal((7L, 3L, 1L, 0L), (r.Lost, r.Merged, r.Coalesced, r.Watchdog));
        Assert.Equal(100 * 1_000, r.TimeInIsrNs);
        Assert.Equal(0.01, r.IsrPercent, 9);
        Assert.Equal((99 * 10_000) + 300_000, r.TimeInDpcNs);
        Assert.Equal(100.0 * 1_290_000 / 2e9, r.DpcPercent, 9);
        Assert.Equal("gpio17 (vector 1)", r.MaxIsrVector);
        Assert.Equal(("TestDpc", 300_000L), (r.MaxDpcRoutine, r.MaxDpcNs));
        Assert.Equal([99L, 1, 0, 0, 0, 0], r.DpcExecutionBuckets.Select(b => b.Count));
        Assert.Equal([100L, 0, 0, 0, 0, 0], r.IsrExecutionBuckets.Select(b => b.Count));
    }

    [Fact]
    public void FromKernel_EventsInTwoSeconds_TimelineAndOutliersHaveCycleNumbers()
    {
        using var s = new ReportScenario();
        var r = s.Report();

        Assert.Equal([ReportScenario.Latency(49), ReportScenario.Latency(99)], r.Timeline);
        Assert.Equal(100_000, r.OutlierThresholdNs);
        Assert.Equal(4, r.OutlierCount);
        Assert.Equal([97L, 98, 99, 100], r.Outliers.Select(o => o.Cycle));
        Assert.Equal(Enumerable.Range(96, 4).Select(ReportScenario.Latency), r.Outliers.Select(o => o.LatencyNs));
    }

    [Fact]
    public void FromKernel_HistogramLimit_CountsOneMicrosecondBucketsAndOverflows()
    {
        using var s = new ReportScenario();
        var h = s.Report(histogramLimitUs: 100).Histogram!;

        Assert.Equal(100, h.Buckets.Count);
        Assert.Equal(0, h.Buckets[3]);
        Assert.All(Enumerable.Range(4, 96), us => Assert.Equal(1, h.Buckets[us]));
        Assert.Equal(4, h.Overflows);
        Assert.Equal([97L, 98, 99, 100], h.OverflowCycles);
    }

    [Fact]
    public void Verdict_DeadlineAboveMax_IsSuitable()
    {
        using var s = new ReportScenario();
        var r = s.Report(deadlineNs: ReportScenario.Latency(99) + 1);

        Assert.True(r.Suitable);
        Assert.Contains("suitable for real-time work at a deadline of 103.001 µs", r.Verdict, StringComparison.Ordinal);
        Assert.DoesNotContain("not suitable", r.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Verdict_DeadlineAtMax_IsNotSuitableAndNamesWorstStageAndRoutine()
    {
        using var s = new ReportScenario();
        var r = s.Report(deadlineNs: ReportScenario.Latency(99));

        Assert.False(r.Suitable);
        Assert.Contains("not suitable for real-time work at a deadline of 103 µs", r.Verdict, StringComparison.Ordinal);
        Assert.Contains("worst stage is dpc_duration", r.Verdict, StringComparison.Ordinal);
        Assert.Contains("slowest DPC routine is TestDpc", r.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Verdict_RunUnderHypervisorSteal_SaysHowMuchOfTheTimeTheHostTook()
    {
        using var s = new ReportScenario();

        var r = s.Report(stealPercent: 12.345);

        Assert.EndsWith("The hypervisor took 12.3% of these CPUs' time during the run (steal): the figures include the host's delays, not only this system's.", r.Verdict, StringComparison.Ordinal);
        Assert.Contains("hypervisor steal: 12.3% of the measured CPUs' time (the host's delays are in these figures)", TerminalReportRenderer.ToText(r), StringComparison.Ordinal);
    }

    [Fact]
    public void Verdict_StealBelowOnePercentOrUnknown_LeavesItOut()
    {
        using var s = new ReportScenario();

        Assert.DoesNotContain("hypervisor", s.Report(stealPercent: 0.5).Verdict, StringComparison.Ordinal);
        Assert.DoesNotContain("hypervisor", s.Report().Verdict, StringComparison.Ordinal);
        Assert.Contains("hypervisor steal: 0.5% of the measured CPUs' time", TerminalReportRenderer.ToText(s.Report(stealPercent: 0.5)), StringComparison.Ordinal);
        Assert.DoesNotContain("hypervisor steal", TerminalReportRenderer.ToText(s.Report()), StringComparison.Ordinal);
    }

    [Fact]
    public void Verdict_ManualKernelWithoutGuarantees_SaysFiguresWereMeasuredWithoutThem()
    {
        using var s = new ReportScenario();
        var r = s.Report();

        Assert.False(r.Guarantees.Realtime);
        Assert.Contains("measured without real-time scheduling (SCHED_FIFO), CPU pinning, memory locking (mlockall)", r.Verdict, StringComparison.Ordinal);
        Assert.Contains(r.Guarantees.Notes, n => n.Contains("manual kernel", StringComparison.Ordinal));
    }
}
