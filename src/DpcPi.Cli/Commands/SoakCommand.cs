using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Json;
using DpcPi.Gpio;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Measurement;
using DpcPi.Platform;
using DpcPi.Reporting;

namespace DpcPi.Cli.Commands;

/// <summary>
/// `dpcpi soak`: a long latency run that samples the process every window (working set, GC counts by
/// generation, allocated bytes) and the latency of that window alone, then judges drift.
/// </summary>
internal sealed class SoakCommand : ICommand
{
    public string Name => "soak";

    public string Summary => "long run: working set, GC and per-window latency every N seconds, with a drift verdict";

    public string Usage => """
        usage: dpcpi soak [--duration TIME] [--window TIME] [options]

          -D, --duration TIME        how long to run (default 1h; e.g. 10m, 6s; 0 = until Ctrl-C)
          -w, --window TIME          sampling window (default 60s; at least 1s, and the duration at least two windows)
              --json FILE            write the samples and the verdict as JSON
              --analyze US           take apart every interrupt whose edge→DPC-start reaches US µs, as 'dpcpi latency
                                     --analyze', and print why they were late after the verdict
          --source timer|fake|gpio, --chip, --input-line, --output-line, --wiring,
          -i/--interval US, -a/--affinity CPUS, -p/--priority N, -m/--mlockall, --no-realtime, --warmup TIME/--no-warmup,
          --wait-strategy            as for 'dpcpi latency'

        Every window it records: working set, GC collections of gen0/gen1/gen2, bytes allocated, and
        edge→DPC p99 and max of that window (the difference of histogram snapshots). Steady state is
        every window after the first quarter of the run (at least the first window is warm-up).
        verdict: working set flat (growth <= max(10%, 4 MiB) over steady state), no gen2 collection
        in steady state, p99 of the last window within 2x (+20 µs) of the first steady window.
        exit codes: 0 no drift, 1 drift found, 2 bad flags, 3 device failure
        """;

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var (options, window, jsonPath) = Parse(args);
        OutputFile.Check(jsonPath, "--json"); // a bad path fails now, not after the soak
        var duration = options.Duration!.Value;
        options.Duration = null; // the soak loop decides when to stop
        using var session = new LatencySession(options);
        session.Start(cancellationToken);
        var k = session.Kernel;
        var samples = new List<SoakSample>();
        // One snapshot and one histogram reused for the whole run: sampling must not allocate what it is measuring.
        var snapshot = new KernelSnapshot(k, SnapshotDetail.Totals);
        var previous = new LatencyHistogram();
        snapshot.Refresh();
        previous.Add(snapshot.EdgeToDpcStart);
        var startNs = MonotonicClock.NowNs;
        var windowStartNs = startNs;
        using var process = Process.GetCurrentProcess();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: source {session.SourceName}, interval {options.IntervalNs / 1000} µs, duration {duration}, window {window}; {k.Figures.Guarantees}"));
        output.WriteLine(" window   t(s)  interrupts  ws(MiB)  gen0  gen1  gen2  alloc(KiB)  p99(µs)  max(µs)");
        var cancelled = false;
        while (true)
        {
            var nextNs = startNs + ((samples.Count + 1) * window.Ticks * 100);
            var endNs = startNs + (duration.Ticks * 100);
            var targetNs = Math.Min(nextNs, endNs);
            var waitMs = (int)Math.Max(0, (targetNs - MonotonicClock.NowNs + 999_999) / 1_000_000);
            if (cancellationToken.WaitHandle.WaitOne(waitMs))
            {
                cancelled = true;
            }

            var nowNs = MonotonicClock.NowNs;
            snapshot.Refresh();
            var current = snapshot.EdgeToDpcStart;
            var (p99, max, count) = WindowStatistics(previous, current);
            previous.Reset();
            previous.Add(current);
            process.Refresh();
            var sample = new SoakSample(
                samples.Count + 1,
                (nowNs - startNs) / 1e9,
                session.Interrupts,
                count,
                process.WorkingSet64,
                GC.CollectionCount(0),
                GC.CollectionCount(1),
                GC.CollectionCount(2),
                GC.GetTotalAllocatedBytes(precise: false),
                p99,
                Math.Max(max, MaxOfSeconds(snapshot, windowStartNs, nowNs)));
            windowStartNs = nowNs;
            samples.Add(sample);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sample.Window,7} {sample.ElapsedSeconds,6:F0} {sample.Interrupts,11} {sample.WorkingSetBytes / 1048576.0,8:F1} {sample.Gen0,5} {sample.Gen1,5} {sample.Gen2,5} {sample.AllocatedBytes / 1024.0,11:F0} {sample.P99Ns / 1000.0,8:F1} {sample.MaxNs / 1000.0,8:F1}"));
            if (cancelled || nowNs >= endNs || session.SourceFailure is not null)
            {
                break;
            }
        }

        session.Stop();
        snapshot.Refresh();
        var verdict = Judge(samples);
        var gpio = session.GpioStatistics;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"interrupts {session.Interrupts}, DPC runs {session.Completed}, lost {gpio.Lost}, merged {gpio.Merged}, timer overruns {session.TimerOverruns}, coalesced {snapshot.CoalescedInserts}"));
        foreach (var line in verdict.Lines)
        {
            output.WriteLine(line);
        }

        output.WriteLine(verdict.Drift ? "verdict: DRIFT" : "verdict: STABLE");
        if (session.Attribution is { } attribution)
        {
            output.Write(AttributionRenderer.ToText(attribution));
        }
        if (jsonPath is not null)
        {
            WriteJson(jsonPath, session, options, window, samples, verdict);
            output.WriteLine($"json report: {jsonPath}");
        }

        if (session.ShutdownProblem is { } stuck)
        {
            output.WriteLine($"stop: queued DPCs never ran, so their figures are missing: {stuck}");
        }

        if (session.SourceFailure is { } failure)
        {
            output.WriteLine($"source failed while running: {failure.Message}");
            return Task.FromResult(ExitCodes.Device);
        }

        return Task.FromResult(verdict.Drift || session.ShutdownProblem is not null ? ExitCodes.Failed : ExitCodes.Ok);
    }

    private static readonly TimeSpan UntilStopped = TimeSpan.FromDays(36_500);

    internal static (LatencySessionOptions Options, TimeSpan Window, string? Json) Parse(IReadOnlyList<string> args)
    {
        var r = new ArgReader("soak", args);
        var options = SessionArgs.Read(r);
        var duration = r.Duration("D", "duration") ?? TimeSpan.FromHours(1);
        if (duration == TimeSpan.Zero || duration > UntilStopped)
        {
            duration = UntilStopped; // -D 0: until Ctrl-C, as cyclictest (a century keeps the ns arithmetic in range)
        }

        var window = r.Duration("w", "window") ?? TimeSpan.FromSeconds(60);
        var json = r.String(null, "json");
        if (r.Integer(null, "analyze", 1, 10_000_000) is { } analyzeUs)
        {
            options.FlightRecorder = new FlightRecorderSettings { AnalyzeThresholdNs = analyzeUs * 1000 };
        }

        r.EnsureEmpty();
        SessionArgs.Validate(r, options);

        if (window < TimeSpan.FromSeconds(1))
        {
            throw r.Error($"--window {window.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s is too short; allowed: 1s or more");
        }

        if (duration < window * 2)
        {
            throw r.Error("--duration must be at least two windows (a first and a last window to compare)");
        }

        options.Duration = duration;
        return (options, window, json);
    }

    /// <summary>p99 and max (bucket resolution) and count of the values recorded between two snapshots of one histogram.</summary>
    internal static (long P99, long Max, long Count) WindowStatistics(LatencyHistogram before, LatencyHistogram after)
    {
        var total = after.TotalCount - before.TotalCount;
        if (total <= 0)
        {
            return (0, 0, 0);
        }

        var target = (long)Math.Ceiling(0.99 * total);
        long cumulative = 0;
        long p99 = -1;
        long max = 0;
        using var old = before.RecordedBuckets().GetEnumerator();
        var hasOld = old.MoveNext();
        foreach (var (low, high, count) in after.RecordedBuckets())
        {
            // Both walk the same buckets in ascending order; "before" has a subset of "after"'s counts.
            while (hasOld && old.Current.Low < low)
            {
                hasOld = old.MoveNext();
            }

            var inWindow = count - (hasOld && old.Current.Low == low ? old.Current.Count : 0);
            if (inWindow <= 0)
            {
                continue;
            }

            cumulative += inWindow;
            max = high;
            if (p99 < 0 && cumulative >= target)
            {
                p99 = high;
            }
        }

        return (Math.Min(Math.Max(p99, 0), after.Max), Math.Min(max, after.Max), total);
    }

    /// <summary>The per-second maxima of the whole seconds between two instants (the window's edges are partial seconds).</summary>
    private static long MaxOfSeconds(KernelSnapshot snapshot, long fromNs, long toNs)
    {
        var epoch = snapshot.Kernel.Figures.EpochNs;
        var first = (int)((fromNs - epoch) / 1_000_000_000);
        var last = (int)((toNs - epoch) / 1_000_000_000);
        long max = 0;
        for (var s = Math.Max(0, first + 1); s < last; s++)
        {
            max = Math.Max(max, snapshot.MaxInSecond(s));
        }

        return max;
    }

    internal static SoakVerdict Judge(IReadOnlyList<SoakSample> samples)
    {
        var lines = new List<string>();
        var steadyFrom = Math.Max(1, samples.Count / 4);
        if (samples.Count - steadyFrom < 1)
        {
            steadyFrom = samples.Count - 1;
        }

        var first = samples[steadyFrom];
        var last = samples[^1];
        var baseline = samples[steadyFrom - 1 >= 0 ? Math.Max(0, steadyFrom - 1) : 0];
        var wsGrowth = last.WorkingSetBytes - first.WorkingSetBytes;
        var wsLimit = Math.Max(first.WorkingSetBytes / 10, 4L << 20);
        var wsFlat = wsGrowth <= wsLimit;
        var gen2Steady = last.Gen2 - baseline.Gen2;
        var seconds = Math.Max(1e-9, last.ElapsedSeconds - baseline.ElapsedSeconds);
        var allocRate = (last.AllocatedBytes - baseline.AllocatedBytes) / seconds;
        var p99Limit = (2 * first.P99Ns) + 20_000;
        var p99Ok = last.P99Ns <= p99Limit;
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"steady state: windows {steadyFrom + 1}..{samples.Count} ({seconds:F0} s)"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"working set: {first.WorkingSetBytes / 1048576.0:F1} MiB -> {last.WorkingSetBytes / 1048576.0:F1} MiB ({wsGrowth / 1048576.0:+0.0;-0.0} MiB, limit +{wsLimit / 1048576.0:F1}) {(wsFlat ? "flat" : "DRIFT")}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"gen2 collections in steady state: {gen2Steady} {(gen2Steady == 0 ? "ok" : "DRIFT")} (gen0 {last.Gen0 - baseline.Gen0}, gen1 {last.Gen1 - baseline.Gen1}; total gen2 {last.Gen2})"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"allocation in steady state: {allocRate:F0} B/s"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"p99 drift: first steady window {first.P99Ns / 1000.0:F1} µs -> last {last.P99Ns / 1000.0:F1} µs (limit {p99Limit / 1000.0:F1}) {(p99Ok ? "ok" : "DRIFT")}"));
        return new SoakVerdict(!wsFlat || gen2Steady != 0 || !p99Ok, wsGrowth, gen2Steady, allocRate, first.P99Ns, last.P99Ns, steadyFrom + 1, lines);
    }

    private static void WriteJson(string path, LatencySession session, LatencySessionOptions options, TimeSpan window, IReadOnlyList<SoakSample> samples, SoakVerdict verdict)
    {
        var document = ToDocument(session.SourceName, options.IntervalNs, window, session.Interrupts, session.Completed, session.GpioStatistics, session.Kernel.Figures.Guarantees.Realtime, samples, verdict);
        OutputFile.Write(path, stream => JsonSerializer.Serialize(stream, document, CliJsonContext.Default.SoakReportDocument));
    }

    internal static SoakReportDocument ToDocument(string source, long intervalNs, TimeSpan window, long interrupts, long dpcRuns, GpioLineStatistics gpio, bool realtime, IReadOnlyList<SoakSample> samples, SoakVerdict verdict) => new(
        source,
        intervalNs / 1000,
        window.TotalSeconds,
        interrupts,
        dpcRuns,
        gpio.Lost,
        gpio.Merged,
        realtime,
        [.. samples.Select(s => new SoakWindowDocument(s.Window, Math.Round(s.ElapsedSeconds, 3), s.Interrupts, s.WindowCount, s.WorkingSetBytes, s.Gen0, s.Gen1, s.Gen2, s.AllocatedBytes, s.P99Ns, s.MaxNs))],
        new SoakVerdictDocument(verdict.Drift, verdict.SteadyFromWindow, verdict.WorkingSetGrowthBytes, verdict.Gen2InSteadyState, Math.Round(verdict.AllocatedBytesPerSecond), verdict.FirstP99Ns, verdict.LastP99Ns));

    internal sealed record SoakSample(int Window, double ElapsedSeconds, long Interrupts, long WindowCount, long WorkingSetBytes, int Gen0, int Gen1, int Gen2, long AllocatedBytes, long P99Ns, long MaxNs);

    internal sealed record SoakVerdict(bool Drift, long WorkingSetGrowthBytes, long Gen2InSteadyState, double AllocatedBytesPerSecond, long FirstP99Ns, long LastP99Ns, int SteadyFromWindow, IReadOnlyList<string> Lines);
}
