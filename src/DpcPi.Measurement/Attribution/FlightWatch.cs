using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Measurement;

/// <summary>
/// The measured run's side of the flight recorder, polled by the rig's flight-watch thread (never an ISR or DPC
/// thread; <see cref="Summary"/> may also be read from others while the run goes on): it samples the kernel
/// threads' scheduler and fault counters and the CPUs' steal every <see cref="SampleIntervalNs"/>, and when the
/// recorder froze on a late interrupt it copies the window, takes the interrupt apart (<see cref="LatencyAttributor"/>),
/// keeps the window for the trace when it is a break, and either lets the recorder go on or asks the run to stop.
/// </summary>
internal sealed class FlightWatch
{
    /// <summary>Late interrupts kept in detail (the rest are summed).</summary>
    public const int DetailedOutliers = 1000;

    /// <summary>Break windows kept for the trace (with --break-continue; the rest are counted).</summary>
    public const int MaxWindows = 16;

    /// <summary>How often the counters are sampled between triggers: the context of an outlier covers at most this much before it.</summary>
    public const long SampleIntervalNs = 100_000_000;

    private readonly DpcKernel _kernel;
    private readonly FlightRecorder _recorder;
    private readonly FlightRecorderSettings _settings;
    private readonly List<OutlierAttribution> _detailed = [];
    private readonly long[] _totals = new long[Enum.GetValues<LatencyCause>().Length];
    private readonly Dictionary<string, long> _culprits = new(StringComparer.Ordinal);
    private readonly List<FlightWindow> _windows = [];
    private readonly Lock _totalsLock = new(); // the totals against a live Summary() from another thread
    private IReadOnlyList<KernelThreadInfo> _threads = [];
    private Sample _baseline;
    private Sample _runStart;
    private Sample? _runEnd;
    private long _analysed;
    private long _breaks;
    private volatile bool _breakRequested;

    public FlightWatch(DpcKernel kernel, FlightRecorderSettings settings)
    {
        _kernel = kernel;
        _recorder = kernel.Figures.FlightRecorder ?? throw new InvalidOperationException("the kernel runs without a flight recorder");
        _settings = settings;
        _baseline = new Sample(MonotonicClock.NowNs, new Dictionary<int, ThreadTimes>(), null, 0);
        _runStart = _baseline;
    }

    /// <summary>Set when a late interrupt reached the break threshold without --break-continue: the run should stop.</summary>
    public bool BreakRequested => _breakRequested;

    /// <summary>Late interrupts that reached the break threshold.</summary>
    public long Breaks => Volatile.Read(ref _breaks);

    public IReadOnlyList<FlightWindow> Windows => _windows;

    /// <summary>Once the kernel's threads run: the counters' first sample.</summary>
    public void Start()
    {
        _threads = _kernel.Figures.Threads;
        _baseline = Take();
        lock (_totalsLock)
        {
            _runStart = _baseline;
        }
    }

    /// <summary>Called every few ms by the flight-watch thread: samples, and handles a trigger if the recorder froze.</summary>
    public void Poll()
    {
        if (BreakRequested)
        {
            return;
        }

        if (!_recorder.TryGetTrigger(out var window))
        {
            if (MonotonicClock.NowNs - _baseline.AtNs >= SampleIntervalNs)
            {
                _baseline = Take();
            }

            return;
        }

        var now = Take();
        var culprit = window.Culprit;
        if (_settings.AnalyzeThresholdNs is { } analyze && culprit is { } c && c.StartNs - c.EventNs >= analyze)
        {
            var executing = c.OnIsrThread ? IsrThread() : _threads.FirstOrDefault(t => t.Cpu == c.Cpu && t.Role.StartsWith(c.Dpc?.IsThreaded == true ? "threaded" : "DPC worker", StringComparison.Ordinal));
            var context = new OutlierContext(
                now.AtNs - _baseline.AtNs,
                Runnable(now, _baseline, IsrThread()),
                Runnable(now, _baseline, executing),
                now.Threads.Sum(t => t.Value.MinorFaults) - _baseline.Threads.Sum(t => t.Value.MinorFaults),
                now.Threads.Sum(t => t.Value.MajorFaults) - _baseline.Threads.Sum(t => t.Value.MajorFaults),
                CpuTimes.Between(_baseline.Cpu, now.Cpu)?.StealPercent,
                now.Gcs - _baseline.Gcs);
            if (LatencyAttributor.Analyze(window, context) is { } a)
            {
                Add(a);
            }
        }

        _baseline = now;
        if (_settings.BreakThresholdNs is { } brk && culprit is { } b && b.StartNs - b.EventNs >= brk)
        {
            Volatile.Write(ref _breaks, _breaks + 1);
            if (_windows.Count < MaxWindows)
            {
                _windows.Add(window);
            }

            if (!_settings.BreakContinue)
            {
                _breakRequested = true; // the recorder stays frozen: the run stops on this window
                return;
            }
        }

        _recorder.Resume();
    }

    /// <summary>At the run's end, while the kernel's threads still exist (/proc forgets a thread once it exits): the last sample.</summary>
    public void Finish()
    {
        Poll(); // a late interrupt among the last ones is still taken apart
        var last = Take();
        lock (_totalsLock)
        {
            _runEnd ??= last;
        }
    }

    /// <summary>The attribution so far, or after the run the whole run's (null without --analyze). Any thread.</summary>
    public AttributionSummary? Summary()
    {
        if (_settings.AnalyzeThresholdNs is not { } threshold)
        {
            return null;
        }

        Sample? runEnd;
        Sample runStart;
        lock (_totalsLock)
        {
            (runEnd, runStart) = (_runEnd, _runStart);
        }

        var end = runEnd ?? Take(); // while the run goes on: so far
        var run = new ThreadTimes(0, 0, 0, 0);
        foreach (var (tid, t) in end.Threads)
        {
            if (runStart.Threads.TryGetValue(tid, out var s))
            {
                var d = t.Since(s);
                run = new ThreadTimes(run.RunNs + d.RunNs, run.RunnableWaitNs + d.RunnableWaitNs, run.MinorFaults + d.MinorFaults, run.MajorFaults + d.MajorFaults);
            }
        }

        // Interrupts over the threshold while the recorder was frozen on another (or on a break) were not analysed.
        var missed = _recorder.Missed;
        lock (_totalsLock)
        {
            return LatencyAttributor.Summarize(threshold, _analysed, missed, _detailed, _totals, _culprits, run);
        }
    }

    private void Add(OutlierAttribution a)
    {
        using var _ = _totalsLock.EnterScope();
        _analysed++;
        if (_detailed.Count < DetailedOutliers)
        {
            _detailed.Add(a);
        }

        foreach (var p in a.Parts)
        {
            _totals[(int)p.Cause] += p.Ns;
            foreach (var n in p.Culprits)
            {
                _culprits[n.Name] = _culprits.GetValueOrDefault(n.Name) + n.Ns;
            }
        }
    }

    private KernelThreadInfo? IsrThread() => _threads.FirstOrDefault(t => t.Role == "ISR thread");

    private static long Runnable(Sample now, Sample before, KernelThreadInfo? thread) =>
        thread is not null && now.Threads.TryGetValue(thread.ThreadId, out var a) && before.Threads.TryGetValue(thread.ThreadId, out var b)
            ? a.RunnableWaitNs - b.RunnableWaitNs
            : 0;

    private Sample Take()
    {
        var threads = new Dictionary<int, ThreadTimes>();
        foreach (var t in _threads)
        {
            if (ThreadTimes.Read(t.ThreadId) is { } times)
            {
                threads[t.ThreadId] = times;
            }
        }

        var cpus = _kernel.Processors.Append(_kernel.Figures.IsrProcessor).Distinct().ToArray();
        return new Sample(MonotonicClock.NowNs, threads, CpuTimes.Read(cpus), GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2));
    }

    private readonly record struct Sample(long AtNs, Dictionary<int, ThreadTimes> Threads, CpuTimes? Cpu, int Gcs);
}

/// <summary>
/// The flight recorder's settings for a latency run: <c>--analyze US</c> takes every interrupt at or over its
/// threshold apart; <c>--break US</c> stops the run at the first one at or over its threshold (or, with
/// <see cref="BreakContinue"/>, keeps going and keeps each window) for a trace. The recorder is on when either is set.
/// </summary>
public sealed record FlightRecorderSettings
{
    /// <summary>Events kept per track (a power of two, 16 or more).</summary>
    public int Events { get; init; } = 1024;

    public long? AnalyzeThresholdNs { get; init; }

    public long? BreakThresholdNs { get; init; }

    public bool BreakContinue { get; init; }

    public bool Enabled => AnalyzeThresholdNs is not null || BreakThresholdNs is not null;

    /// <summary>The recorder freezes at the lower of the two thresholds.</summary>
    public long TriggerNs => Math.Min(AnalyzeThresholdNs ?? long.MaxValue, BreakThresholdNs ?? long.MaxValue);
}
