using System.Globalization;
using System.Text.Json;
using DpcPi.Kernel.Measurement;
using DpcPi.Labs.Latency;

namespace DpcPi.Cli.Commands;

/// <summary>The final figures of a latency run (stable JSON schema: docs/latency-report.schema.json).</summary>
internal sealed class LatencySummary
{
    private static readonly (string Key, LatencyStage Stage)[] s_stages =
    [
        ("edge_to_isr", LatencyStage.EdgeToIsr),
        ("isr_duration", LatencyStage.IsrDuration),
        ("queue_wait", LatencyStage.QueueWait),
        ("dpc_duration", LatencyStage.DpcDuration),
        ("edge_to_dpc_start", LatencyStage.EdgeToDpcStart),
    ];

    private readonly LatencySession _session;
    private readonly long _deadlineNs;
    private readonly long _histogramUs;
    private readonly Dictionary<string, LatencyHistogram> _merged;

    private LatencySummary(LatencySession session, long deadlineNs, long histogramUs)
    {
        _session = session;
        _deadlineNs = deadlineNs;
        _histogramUs = histogramUs;
        _merged = s_stages.ToDictionary(s => s.Key, s => session.Kernel.MergeStage(s.Stage));
    }

    public static LatencySummary From(LatencySession session, long deadlineNs, long histogramUs) => new(session, deadlineNs, histogramUs);

    public void Print(TextWriter o)
    {
        var k = _session.Kernel;
        var g = k.Guarantees;
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine();
        o.WriteLine(string.Create(inv, $"DpcPi latency — source {_session.SourceName}, {_session.Completed} interrupts in {_session.ElapsedNs / 1e9:F1} s, cores {string.Join(",", k.Processors)} (ISR on {k.IsrProcessor})"));
        o.WriteLine($"guarantees: {g}");
        foreach (var note in g.Notes)
        {
            o.WriteLine($"  note: {note}");
        }

        o.WriteLine(string.Create(inv, $"{"stage",-20}{"count",10}{"min µs",10}{"avg µs",10}{"p50 µs",10}{"p99 µs",10}{"p99.9 µs",10}{"max µs",10}"));
        foreach (var (key, _) in s_stages)
        {
            var h = _merged[key];
            o.WriteLine(string.Create(inv, $"{key,-20}{h.TotalCount,10}{h.Min / 1000.0,10:F2}{h.Mean / 1000.0,10:F2}{h.GetValueAtPercentile(50) / 1000.0,10:F2}{h.GetValueAtPercentile(99) / 1000.0,10:F2}{h.GetValueAtPercentile(99.9) / 1000.0,10:F2}{h.Max / 1000.0,10:F2}"));
        }

        var gpio = _session.GpioStatistics;
        o.WriteLine($"loss: lost={gpio.Lost} merged={gpio.Merged} timer-overruns={_session.TimerOverruns} coalesced={Coalesced} watchdog={k.WatchdogViolations}");
        if (_histogramUs > 0)
        {
            PrintHistogram(o);
        }

        var headline = _merged["edge_to_dpc_start"];
        var ok = headline.TotalCount > 0 && headline.Max < _deadlineNs;
        var verdict = ok
            ? $"suitable for real-time work at a {_deadlineNs / 1000} µs deadline (max edge→DPC {headline.Max / 1000.0:F1} µs)"
            : $"NOT suitable for real-time work at a {_deadlineNs / 1000} µs deadline (max edge→DPC {headline.Max / 1000.0:F1} µs)";
        if (!g.Realtime || !g.Pinned)
        {
            verdict += "; measured WITHOUT real-time scheduling or pinning, see notes";
        }

        o.WriteLine($"verdict: {verdict}");
        if (_session.SourceFailure is { } failure)
        {
            o.WriteLine($"source failed while running: {failure.Message}");
        }
    }

    public void WriteJson(string path)
    {
        var k = _session.Kernel;
        var gpio = _session.GpioStatistics;
        var doc = new Dictionary<string, object?>
        {
            ["source"] = _session.SourceName,
            ["guarantees"] = new Dictionary<string, object?> { ["realtime"] = k.Guarantees.Realtime, ["pinned"] = k.Guarantees.Pinned, ["mlocked"] = k.Guarantees.MemoryLocked, ["notes"] = k.Guarantees.Notes },
            ["stages"] = s_stages.ToDictionary(s => s.Key, s => (object)Stage(_merged[s.Key])),
            ["lost"] = gpio.Lost,
            ["merged"] = gpio.Merged,
            ["coalesced"] = Coalesced,
            ["watchdog"] = k.WatchdogViolations,
            ["timer_overruns"] = _session.TimerOverruns,
            ["interrupts"] = _session.Completed,
            ["duration_ns"] = _session.ElapsedNs,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
    }

    private long Coalesced => _session.Kernel.GetProcessorStatistics().Sum(s => s.CoalescedInserts);

    private static Dictionary<string, long> Stage(LatencyHistogram h) => new()
    {
        ["count"] = h.TotalCount,
        ["min_ns"] = h.Min,
        ["p50_ns"] = h.GetValueAtPercentile(50),
        ["p99_ns"] = h.GetValueAtPercentile(99),
        ["p999_ns"] = h.GetValueAtPercentile(99.9),
        ["max_ns"] = h.Max,
    };

    private void PrintHistogram(TextWriter o)
    {
        var h = _merged["edge_to_dpc_start"];
        o.WriteLine("# histogram of edge→DPC start, 1 µs buckets");
        for (long us = 0; us < _histogramUs; us++)
        {
            var c = h.CountBetween(us * 1000, (us + 1) * 1000);
            if (c > 0)
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{us:D6} {c:D6}"));
            }
        }

        var overflow = h.CountBetween(_histogramUs * 1000, long.MaxValue);
        o.WriteLine($"# Histogram Overflows: {overflow:D5}");
        var cycles = _session.Kernel.Processors.SelectMany(c => _session.Kernel.GetRecorder(c).Outliers()).Select(x => x.Cycle).Order().Take(100);
        o.WriteLine($"# Histogram Overflow at cycle number: {string.Join(' ', cycles)}");
    }
}
