using System.Text.Json;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>
/// Writes a <see cref="LatencyReport"/> as the <c>dpcpi latency --json</c> document (schema:
/// docs/latency-report.schema.json). Keys are stable snake_case; fields are only ever added.
/// </summary>
public static class LatencyJsonWriter
{
    public const int SchemaVersion = 1;

    public static void Write(Stream stream, LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(report);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("schema_version", SchemaVersion);
        w.WriteString("source", report.Source);
        w.WriteNumber("duration_ns", report.DurationNs);
        w.WriteNumber("deadline_ns", report.DeadlineNs);
        w.WriteNumber("cores", report.CoreCount);

        w.WriteStartObject("guarantees");
        w.WriteBoolean("realtime", report.Guarantees.Realtime);
        w.WriteBoolean("pinned", report.Guarantees.Pinned);
        w.WriteBoolean("mlocked", report.Guarantees.MemoryLocked);
        w.WriteStartArray("notes");
        foreach (var n in report.Guarantees.Notes)
        {
            w.WriteStringValue(n);
        }

        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("stages");
        foreach (var s in report.Stages)
        {
            w.WritePropertyName(s.Name);
            WriteStats(w, s.Statistics);
        }

        w.WriteEndObject();

        w.WriteNumber("lost", report.Lost);
        w.WriteNumber("merged", report.Merged);
        w.WriteNumber("coalesced", report.Coalesced);
        w.WriteNumber("watchdog", report.Watchdog);
        if (report.StealPercent is { } steal)
        {
            w.WriteNumber("steal_percent", Math.Round(steal, 2));
        }
        else
        {
            w.WriteNull("steal_percent");
        }

        w.WriteStartObject("verdict");
        w.WriteBoolean("suitable", report.Suitable);
        w.WriteString("text", report.Verdict);
        w.WriteEndObject();

        w.WriteNumber("isr_percent", Math.Round(report.IsrPercent, 6));
        w.WriteNumber("dpc_percent", Math.Round(report.DpcPercent, 6));
        w.WriteNumber("time_in_isr_ns", report.TimeInIsrNs);
        w.WriteNumber("time_in_dpc_ns", report.TimeInDpcNs);

        w.WriteStartArray("per_core");
        foreach (var c in report.Cores)
        {
            w.WriteStartObject();
            w.WriteNumber("cpu", c.Cpu);
            w.WriteNumber("dpcs_run", c.DpcsRun);
            w.WriteNumber("threaded_dpcs_run", c.ThreadedDpcsRun);
            w.WriteNumber("coalesced", c.CoalescedInserts);
            w.WriteNumber("exceptions", c.Exceptions);
            w.WriteNumber("time_in_dpc_ns", c.TimeInDpcNs);
            w.WriteNumber("max_dpc_ns", c.MaxDpcExecutionNs);
            if (c.MaxDpcRoutine is null)
            {
                w.WriteNull("max_dpc_routine");
            }
            else
            {
                w.WriteString("max_dpc_routine", c.MaxDpcRoutine);
            }

            w.WriteNumber("queue_depth_high_water", c.QueueDepthHighWater);
            w.WriteNumber("watchdog", c.WatchdogViolations);
            w.WritePropertyName("edge_to_dpc_start");
            WriteStats(w, c.EdgeToDpcStart);
            w.WritePropertyName("queue_wait");
            WriteStats(w, c.QueueWait);
            w.WritePropertyName("dpc_duration");
            WriteStats(w, c.DpcDuration);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("per_vector");
        foreach (var v in report.Vectors)
        {
            w.WriteStartObject();
            w.WriteNumber("vector", v.Vector);
            w.WriteString("name", v.Name);
            w.WriteNumber("count", v.Count);
            w.WriteNumber("unhandled", v.Unhandled);
            w.WriteNumber("slow_isrs", v.SlowIsrs);
            w.WriteNumber("max_isr_ns", v.MaxIsrNs);
            w.WritePropertyName("edge_to_isr");
            WriteStats(w, v.EdgeToIsr);
            w.WritePropertyName("isr_duration");
            WriteStats(w, v.IsrDuration);
            w.WritePropertyName("edge_to_dpc_start");
            WriteStats(w, v.EdgeToDpcStart);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("per_dpc");
        foreach (var d in report.Dpcs)
        {
            w.WriteStartObject();
            w.WriteString("name", d.Name);
            w.WriteBoolean("threaded", d.Threaded);
            w.WriteNumber("runs", d.Runs);
            w.WriteNumber("coalesced", d.Coalesced);
            w.WriteNumber("exceptions", d.Exceptions);
            w.WriteNumber("max_execution_ns", d.MaxExecutionNs);
            w.WriteNumber("avg_execution_ns", Math.Round(d.AvgExecutionNs, 3));
            w.WritePropertyName("execution_time");
            WriteStats(w, d.ExecutionTime);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("timeline");
        for (var s = 0; s < report.Timeline.Count; s++)
        {
            w.WriteStartObject();
            w.WriteNumber("second", s);
            w.WriteNumber("max_ns", report.Timeline[s]);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteNumber("outlier_threshold_ns", report.OutlierThresholdNs);
        w.WriteNumber("outlier_count", report.OutlierCount);
        w.WriteStartArray("outliers");
        foreach (var o in report.Outliers)
        {
            w.WriteStartObject();
            w.WriteNumber("cpu", o.Cpu);
            w.WriteNumber("cycle", o.Cycle);
            w.WriteNumber("latency_ns", o.LatencyNs);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartObject("latencymon");
        w.WriteNumber("max_isr_ns", report.MaxIsrNs);
        WriteNullableString(w, "max_isr_vector", report.MaxIsrVector);
        w.WriteNumber("max_dpc_ns", report.MaxDpcNs);
        WriteNullableString(w, "max_dpc_routine", report.MaxDpcRoutine);
        WriteBuckets(w, "dpc_execution_buckets", report.DpcExecutionBuckets);
        WriteBuckets(w, "isr_execution_buckets", report.IsrExecutionBuckets);
        w.WriteEndObject();

        if (report.Histogram is { } hist)
        {
            w.WriteStartObject("histogram");
            w.WriteNumber("limit_us", hist.LimitUs);
            w.WriteStartArray("buckets");
            foreach (var b in hist.Buckets)
            {
                w.WriteNumberValue(b);
            }

            w.WriteEndArray();
            w.WriteNumber("overflows", hist.Overflows);
            w.WriteStartArray("overflow_cycles");
            foreach (var c in hist.OverflowCycles)
            {
                w.WriteNumberValue(c);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteStartObject("run_info");
        foreach (var (k, v) in report.RunInfo.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.WriteString(k, v);
        }

        w.WriteEndObject();
        if (report.Service is { } service)
        {
            // Last, where the service used to append it to the finished document.
            w.WriteStartObject("service");
            w.WriteNumber("interrupts", service.Interrupts);
            w.WriteNumber("isr_interrupts", service.IsrInterrupts);
            w.WriteNumber("clock_ticks", service.ClockTicks);
            w.WriteNumber("dpcs_run", service.DpcsRun);
            w.WriteNumber("coalesced", service.Coalesced);
            w.WriteNumber("queued_after_stop", service.QueuedAfterStop);
            WriteNullableString(w, "fault", service.Fault);
            w.WriteNumber("exit_code", service.ExitCode);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.Flush();
    }

    public static string ToJson(LatencyReport report)
    {
        using var ms = new MemoryStream();
        Write(ms, report);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    internal static void WriteStats(Utf8JsonWriter w, StageStatistics s)
    {
        w.WriteStartObject();
        w.WriteNumber("count", s.Count);
        w.WriteNumber("min_ns", s.MinNs);
        w.WriteNumber("avg_ns", Math.Round(s.AvgNs, 3));
        w.WriteNumber("p50_ns", s.P50Ns);
        w.WriteNumber("p90_ns", s.P90Ns);
        w.WriteNumber("p99_ns", s.P99Ns);
        w.WriteNumber("p999_ns", s.P999Ns);
        w.WriteNumber("max_ns", s.MaxNs);
        w.WriteEndObject();
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteBuckets(Utf8JsonWriter w, string name, IReadOnlyList<LatencyBucket> buckets)
    {
        w.WriteStartArray(name);
        foreach (var b in buckets)
        {
            w.WriteStartObject();
            w.WriteNumber("from_us", b.FromUs);
            if (b.ToUs is { } to)
            {
                w.WriteNumber("to_us", to);
            }
            else
            {
                w.WriteNull("to_us");
            }

            w.WriteNumber("count", b.Count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    internal static string StageKey(LatencyStage stage) => StageReport.NameOf(stage);
}
