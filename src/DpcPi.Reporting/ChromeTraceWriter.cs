using System.Globalization;
using System.Text.Json;
using DpcPi.Kernel;

namespace DpcPi.Reporting;

/// <summary>
/// Writes flight-recorder windows (<c>dpcpi latency --break</c>) as Chrome trace-event JSON, which Perfetto
/// (ui.perfetto.dev) and chrome://tracing open: one process per window, named after the interrupt that stopped it;
/// one thread track for the ISR thread (its ISRs and the DPCs it runs), one per DPC worker, and wait tracks with the
/// time from each edge to its ISR and from each queueing to its DPC's start. Every slice is a complete ("X") event
/// with ts and dur in µs on CLOCK_MONOTONIC; the culprit's DPC slice is named "LATE …" and has args.culprit = true.
/// Wait slices are spread over as many wait tracks as needed for none to overlap on one, so every track nests.
/// </summary>
public static class ChromeTraceWriter
{
    private const int IsrThreadTid = 1;
    private const int WorkerTidBase = 100;
    private const int ThreadedTidBase = 200;
    private const int WaitTidBase = 1000;

    /// <summary>Writes <paramref name="windows"/> to <paramref name="path"/> atomically (checked like every output: <see cref="OutputFile"/>).</summary>
    public static void Write(string path, IReadOnlyList<FlightWindow> windows) => OutputFile.Write(path, s => Write(s, windows));

    public static void Write(Stream stream, IReadOnlyList<FlightWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(windows);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteStartArray("traceEvents");
        for (var i = 0; i < windows.Count; i++)
        {
            WriteWindow(w, i + 1, windows[i]);
        }

        w.WriteEndArray();
        w.WriteString("displayTimeUnit", "ns");
        w.WriteStartObject("otherData");
        w.WriteString("tool", "dpcpi latency --break");
        w.WriteNumber("windows", windows.Count);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteWindow(Utf8JsonWriter w, int pid, FlightWindow window)
    {
        var culprit = window.Culprit;
        var title = culprit is { } c
            ? string.Create(CultureInfo.InvariantCulture, $"break #{window.TriggerNumber}: {c.Dpc?.Name ?? "?"} on CPU {c.Cpu} started {(c.StartNs - c.EventNs) / 1000.0:0.#} µs after its edge (cycle {c.Cycle})")
            : $"flight recorder #{pid}";
        Metadata(w, "process_name", pid, null, title);
        Metadata(w, "process_sort_index", pid, null, pid);

        var isrCpu = window.Tracks[0].Events.Length > 0 ? window.Tracks[0].Events[^1].Cpu : -1;
        var slices = new Dictionary<int, List<Slice>>();
        var waits = new List<Slice>();
        void Add(int tid, Slice s)
        {
            if (!slices.TryGetValue(tid, out var list))
            {
                slices[tid] = list = [];
            }

            list.Add(s);
        }

        foreach (var e in window.Tracks[0].Events)
        {
            var name = $"ISR {e.Interrupt?.Name ?? "?"}";
            Add(IsrThreadTid, new Slice(name, "isr", e.StartNs, e.EndNs, e, false));
            waits.Add(new Slice($"edge→ISR {e.Interrupt?.Name ?? "?"}", "wait", e.EventNs, e.StartNs, e, false));
        }

        foreach (var t in window.Tracks.Skip(1))
        {
            for (var i = 0; i < t.Events.Length; i++)
            {
                var e = t.Events[i];
                var isCulprit = t.Track.Id == window.CulpritTrack && t.FirstIndex + i == window.CulpritIndex;
                var tid = e.OnIsrThread ? IsrThreadTid : (t.Track.Threaded ? ThreadedTidBase : WorkerTidBase) + t.Track.Cpu;
                var name = isCulprit ? $"LATE {e.Dpc?.Name ?? "?"}" : e.Dpc?.Name ?? "?";
                Add(tid, new Slice(name, "dpc", e.StartNs, e.EndNs, e, isCulprit));
                waits.Add(new Slice($"queued→start {e.Dpc?.Name ?? "?"}", "wait", e.QueuedNs, e.StartNs, e, false));
            }
        }

        // Waits overlap one another (an edge comes while the last DPC still waits): first-fit onto tracks where they do not.
        var waitTracks = new List<long>();
        foreach (var s in waits.Where(s => s.EndNs >= s.StartNs).OrderBy(s => s.StartNs).ThenBy(s => s.EndNs))
        {
            var k = waitTracks.FindIndex(end => end <= s.StartNs);
            if (k < 0)
            {
                waitTracks.Add(0);
                k = waitTracks.Count - 1;
            }

            waitTracks[k] = s.EndNs;
            Add(WaitTidBase + k, s);
        }

        foreach (var (tid, list) in slices.OrderBy(kv => kv.Key))
        {
            var threadName = tid switch
            {
                IsrThreadTid => $"ISR thread (CPU {isrCpu})",
                >= WaitTidBase => $"waits {tid - WaitTidBase + 1}",
                >= ThreadedTidBase => $"threaded DPC thread CPU {tid - ThreadedTidBase}",
                _ => $"DPC worker CPU {tid - WorkerTidBase}",
            };
            Metadata(w, "thread_name", pid, tid, threadName);
            Metadata(w, "thread_sort_index", pid, tid, tid);
            foreach (var s in list.OrderBy(s => s.StartNs).ThenByDescending(s => s.EndNs))
            {
                Complete(w, pid, tid, s);
            }
        }
    }

    private static void Complete(Utf8JsonWriter w, int pid, int tid, Slice s)
    {
        var e = s.Event;
        w.WriteStartObject();
        w.WriteString("name", s.Name);
        w.WriteString("cat", s.Category);
        w.WriteString("ph", "X");
        w.WriteNumber("ts", Math.Round(s.StartNs / 1000.0, 3));
        w.WriteNumber("dur", Math.Round(Math.Max(0, s.EndNs - s.StartNs) / 1000.0, 3));
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        w.WriteStartObject("args");
        w.WriteNumber("cycle", e.Cycle);
        w.WriteNumber("cpu", e.Cpu);
        if (e.Interrupt is { } irq)
        {
            w.WriteString("vector", $"{irq.Name} ({irq.Vector})");
        }

        if (e.Kind == FlightEventKind.Dpc)
        {
            w.WriteString("dpc", e.Dpc?.Name ?? "?");
            w.WriteNumber("edge_to_start_ns", e.StartNs - e.EventNs);
            w.WriteNumber("queue_wait_ns", e.StartNs - e.QueuedNs);
            w.WriteBoolean("on_isr_thread", e.OnIsrThread);
            w.WriteBoolean("worker_woke", e.WorkerWoke);
        }
        else
        {
            w.WriteNumber("edge_to_isr_ns", e.StartNs - e.EventNs);
        }

        if (s.Culprit)
        {
            w.WriteBoolean("culprit", true);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Metadata(Utf8JsonWriter w, string name, int pid, int? tid, object value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", pid);
        if (tid is { } t)
        {
            w.WriteNumber("tid", t);
        }

        w.WriteStartObject("args");
        if (value is int i)
        {
            w.WriteNumber("sort_index", i);
        }
        else
        {
            w.WriteString("name", (string)value);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private readonly record struct Slice(string Name, string Category, long StartNs, long EndNs, FlightEvent Event, bool Culprit);
}
