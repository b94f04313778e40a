using System.Globalization;
using System.Text;

namespace DpcPi.Cli.Metrics;

/// <summary>
/// Writes a <see cref="MetricsView"/> in the Prometheus text exposition format 0.0.4: one # HELP and one
/// # TYPE per family before its samples, names dpcpi_*, counters ending _total, label values escaped, and the
/// latency histograms as cumulative _bucket{le} series ending in +Inf (equal to _count), then _sum and _count.
/// </summary>
internal static class PrometheusFormatter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // Whole ns in seconds: 9 decimals are exact, so the le labels are the bounds, not a rounding of them.
    private static readonly string[] s_le = [.. SnapshotProvider.PrometheusBoundsNs.Select(ns => (ns / 1e9).ToString("0.#########", CultureInfo.InvariantCulture))];

    public static string Format(MetricsView? s)
    {
        var w = new Writer();
        w.Family("dpcpi_up", "gauge", "1 while the latency session measures, 0 once it stops or faulted.");
        w.Sample("dpcpi_up", s is { Running: true } ? 1 : 0);
        if (s is null)
        {
            return w.ToString();
        }

        w.Family("dpcpi_info", "gauge", "The running interrupt source and lab (value is always 1).");
        w.Sample("dpcpi_info", 1, ("source", s.Source), ("lab", s.Lab), ("interval_us", s.IntervalUs.ToString(CultureInfo.InvariantCulture)));
        w.Family("dpcpi_uptime_seconds", "gauge", "Seconds since the session started measuring.");
        w.Sample("dpcpi_uptime_seconds", s.UptimeSeconds);

        w.Family("dpcpi_interrupts_total", "counter", "Interrupts dispatched by the ISR thread, per vector.");
        foreach (var v in s.Vectors)
        {
            w.Sample("dpcpi_interrupts_total", v.Count, ("vector", v.Vector.ToString(CultureInfo.InvariantCulture)), ("name", v.Name));
        }

        w.Family("dpcpi_measured_interrupts_total", "counter", "Interrupts whose DPC completed (one latency sample each).");
        w.Sample("dpcpi_measured_interrupts_total", s.Completed);
        w.Family("dpcpi_clock_ticks_total", "counter", "Kernel clock interrupts.");
        w.Sample("dpcpi_clock_ticks_total", s.ClockTicks);

        PerCpu(w, s, "dpcpi_dpcs_run_total", "counter", "DPCs run (normal and threaded), per core.", c => c.DpcsRun);
        PerCpu(w, s, "dpcpi_dpc_coalesced_inserts_total", "counter", "DPC inserts that found the DPC already queued, per core.", c => c.Coalesced);
        PerCpu(w, s, "dpcpi_dpc_coalesced_pending_together_total", "counter", "Coalesced DPC inserts from interrupts dispatched in the same ISR pass as the one that queued the DPC (it could not run between them), per core.", c => c.CoalescedPendingTogether);
        PerCpu(w, s, "dpcpi_dpc_queue_depth", "gauge", "DPCs queued now (normal and threaded), per core.", c => c.QueueDepth);
        PerCpu(w, s, "dpcpi_dpc_queue_depth_high_water", "gauge", "The deepest DPC queue seen, per core.", c => c.QueueDepthHighWater);
        PerCpu(w, s, "dpcpi_dpc_time_seconds_total", "counter", "Time spent running DPC routines, per core.", c => c.TimeInDpcMs / 1000.0);
        PerCpu(w, s, "dpcpi_dpc_exceptions_total", "counter", "DPC routines that threw, per core.", c => c.Exceptions);

        w.Family("dpcpi_gpio_edges_lost_total", "counter", "GPIO edges the kernel dropped (sequence-number gaps).");
        w.Sample("dpcpi_gpio_edges_lost_total", s.LostEdges);
        w.Family("dpcpi_gpio_edges_merged_total", "counter", "GPIO edges merged (two equal edges in a row).");
        w.Sample("dpcpi_gpio_edges_merged_total", s.MergedEdges);
        w.Family("dpcpi_timer_expiries_merged_total", "counter", "Timer expiries merged into a late interrupt, which is stamped with the oldest of them.");
        w.Sample("dpcpi_timer_expiries_merged_total", s.TimerExpiriesMerged);
        w.Family("dpcpi_watchdog_violations_total", "counter", "DPC watchdog events (single DPC or cumulative time at DISPATCH too long).");
        w.Sample("dpcpi_watchdog_violations_total", s.WatchdogViolations);

        w.Family("dpcpi_deadline_misses_total", "counter", "Edge to DPC start latencies above the deadline (Report:DeadlineUs).");
        w.Sample("dpcpi_deadline_misses_total", s.DeadlineMisses);
        w.Family("dpcpi_deadline_seconds", "gauge", "The deadline the misses are counted against (Report:DeadlineUs).");
        w.Sample("dpcpi_deadline_seconds", s.DeadlineUs / 1e6);
        w.Family("dpcpi_latency_second_max_seconds", "gauge", "The highest edge to DPC start latency of the last complete second (the per-second maximum).");
        w.Sample("dpcpi_latency_second_max_seconds", s.LastSecondMaxUs / 1e6);

        w.Family("dpcpi_guarantee", "gauge", "1 when the guarantee is in force (realtime = SCHED_FIFO, pinned = CPU affinity, mlocked = memory locked).");
        w.Sample("dpcpi_guarantee", s.Guarantees.Realtime ? 1 : 0, ("guarantee", "realtime"));
        w.Sample("dpcpi_guarantee", s.Guarantees.Pinned ? 1 : 0, ("guarantee", "pinned"));
        w.Sample("dpcpi_guarantee", s.Guarantees.Mlocked ? 1 : 0, ("guarantee", "mlocked"));

        Quantile(w, s, "dpcpi_latency_p50_seconds", "The median latency per stage.", st => st.P50Us);
        Quantile(w, s, "dpcpi_latency_p99_seconds", "The 99th percentile latency per stage.", st => st.P99Us);
        Quantile(w, s, "dpcpi_latency_p999_seconds", "The 99.9th percentile latency per stage.", st => st.P999Us);
        Quantile(w, s, "dpcpi_latency_max_seconds", "The maximum latency per stage since start.", st => st.MaxUs);

        const string hist = "dpcpi_latency_seconds";
        w.Family(hist, "histogram", "Latency per stage (edge_to_dpc_start is the interrupt-to-DPC latency), log buckets (20 per decade, 1 us to 100 ms) from the HDR histogram.");
        foreach (var st in s.Stages)
        {
            long cumulative = 0;
            for (var i = 0; i < st.PrometheusCounts.Count; i++)
            {
                cumulative += st.PrometheusCounts[i];
                var le = i < s_le.Length ? s_le[i] : "+Inf";
                w.Sample(hist + "_bucket", cumulative, ("stage", st.Stage), ("le", le));
            }

            w.Sample(hist + "_sum", st.SumUs / 1e6, ("stage", st.Stage));
            w.Sample(hist + "_count", cumulative, ("stage", st.Stage));
        }

        return w.ToString();
    }

    private static void PerCpu(Writer w, MetricsView s, string name, string type, string help, Func<CpuView, double> value)
    {
        w.Family(name, type, help);
        foreach (var c in s.Cpus)
        {
            w.Sample(name, value(c), ("cpu", c.Cpu.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static void Quantile(Writer w, MetricsView s, string name, string help, Func<StageView, double> us)
    {
        w.Family(name, "gauge", help);
        foreach (var st in s.Stages)
        {
            w.Sample(name, us(st) / 1e6, ("stage", st.Stage));
        }
    }

    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static string EscapeHelp(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private sealed class Writer
    {
        private readonly StringBuilder _sb = new();

        public void Family(string name, string type, string help)
        {
            _sb.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
            _sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        }

        public void Sample(string name, double value, params (string Name, string Value)[] labels)
        {
            _sb.Append(name);
            if (labels.Length > 0)
            {
                _sb.Append('{');
                for (var i = 0; i < labels.Length; i++)
                {
                    if (i > 0)
                    {
                        _sb.Append(',');
                    }

                    _sb.Append(labels[i].Name).Append("=\"").Append(EscapeLabelValue(labels[i].Value)).Append('"');
                }

                _sb.Append('}');
            }

            _sb.Append(' ').Append(FormatValue(value)).Append('\n');
        }

        public override string ToString() => _sb.ToString();
    }
}
