using System.Text.Json;

namespace DpcPi.Bench;

/// <summary>Writes a <see cref="BenchResult"/> as the <c>dpcpi bench --json</c> document (schema: docs/bench-report.schema.json).</summary>
public static class BenchJsonWriter
{
    public const int SchemaVersion = 1;

    public static void Write(Stream stream, BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(result);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("schema_version", SchemaVersion);
        w.WriteString("mode", result.Mode);
        w.WriteNumber("processor_count", result.ProcessorCount);
        w.WriteStartArray("results");
        foreach (var r in result.Results)
        {
            w.WriteStartObject();
            w.WriteString("name", r.Name);
            w.WriteNumber("p50_ns", r.P50Ns);
            w.WriteNumber("p90_ns", r.P90Ns);
            w.WriteNumber("p99_ns", r.P99Ns);
            w.WriteNumber("p999_ns", r.P999Ns);
            w.WriteNumber("max_ns", r.MaxNs);
            w.WriteNumber("min_ns", r.MinNs);
            w.WriteNumber("avg_ns", Math.Round(r.AvgNs, 3));
            w.WriteNumber("count", r.Count);
            w.WriteNumber("lost", r.Lost);
            w.WriteNumber("throughput_per_s", Math.Round(r.ThroughputPerSecond, 1));
            w.WriteNumber("throughput_produced", r.ThroughputProduced);
            w.WriteNumber("throughput_handled", r.ThroughputHandled);
            w.WriteNumber("throughput_lost", r.ThroughputLost);
            w.WriteNumber("bytes_per_interrupt", Math.Round(r.BytesPerInterrupt, 4));
            WriteRatio(w, "p50_ratio_to_raw", result.RatioToRaw(r, x => x.P50Ns));
            WriteRatio(w, "p99_ratio_to_raw", result.RatioToRaw(r, x => x.P99Ns));
            WriteOptional(w, "queue_wait_p50_ns", r.QueueWaitP50Ns);
            WriteOptional(w, "queue_wait_p99_ns", r.QueueWaitP99Ns);
            if (r.StealPercent is { } steal)
            {
                w.WriteNumber("steal_percent", Math.Round(steal, 2));
            }
            else
            {
                w.WriteNull("steal_percent");
            }
            w.WriteStartArray("round_p50_ns");
            foreach (var p in r.RoundP50Ns)
            {
                w.WriteNumberValue(p);
            }

            w.WriteEndArray();
            w.WriteStartArray("notes");
            foreach (var n in r.Notes)
            {
                w.WriteStringValue(n);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("goals");
        foreach (var g in result.Goals)
        {
            w.WriteStartObject();
            w.WriteString("goal", g.Goal);
            w.WriteBoolean("met", g.Met);
            w.WriteString("detail", g.Detail);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("notes");
        foreach (var n in result.Notes)
        {
            w.WriteStringValue(n);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
    }

    public static string ToJson(BenchResult result)
    {
        using var ms = new MemoryStream();
        Write(ms, result);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteRatio(Utf8JsonWriter w, string name, double? ratio)
    {
        if (ratio is { } r)
        {
            w.WriteNumber(name, Math.Round(r, 3));
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
