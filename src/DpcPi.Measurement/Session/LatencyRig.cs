using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Measurement;

/// <summary>
/// One kernel driven by one source: the ISR queues its device's DpcForIsr, the DPC counts, a clock interrupt
/// ticks beside it. Both the warm-up and the measured run are a rig; <see cref="LatencySession"/> runs them in
/// turn. The kernel records every stage; the rig only wires the pieces and knows when its run is over.
/// </summary>
internal sealed class LatencyRig : IDisposable
{
    private const int ClockVector = 0;
    private readonly LatencySessionOptions _options;
    private readonly EpollInterruptController _controller = new();
    private readonly ManualResetEventSlim _done = new(false, 0);
    private readonly TimerInterruptSource _clock = new();
    private readonly ManualResetEventSlim _watcherStop = new(false, 0);

    // Every interrupt's edge time, from the ISR to the DPC that serves it: a DpcForIsr coalesces the interrupts
    // that come while it is queued, and the kernel's edge→DPC start counts only the one that queued it. 4096 edges
    // is 4 s at 1 kHz without a DPC run; beyond that an edge is counted as unmeasured, never overwritten.
    private readonly SpscRing<long> _pendingEdges = new(4096);
    private long _servingUnmeasured;
    private Thread? _watcher;
    private long _completed;
    private long _interrupts;
    private long _startedNs;
    private long _stoppedNs;
    private CpuTimes? _cpuAtStart;

    public LatencyRig(LatencySessionOptions options)
    {
        _options = options;
        Source = MeasuredSource.Create(options);
        Kernel = new DpcKernel(options.KernelWithRecorder());
        Watch = options.FlightRecorder.Enabled && !options.IsWarmup ? new FlightWatch(Kernel, options.FlightRecorder) : null;
        Device = Kernel.CreateDevice("latency", static (_, ctx, _, _) => ((LatencyRig)((DeviceObject)ctx!).Extension!).OnDpc(), this);
    }

    public DpcKernel Kernel { get; }

    public DeviceObject Device { get; }

    public MeasuredSource Source { get; }

    /// <summary>The flight recorder's watcher (--analyze, --break), or null when it is off.</summary>
    public FlightWatch? Watch { get; }

    /// <summary>True when a late interrupt stopped the run (--break without --break-continue).</summary>
    public bool Broke => Watch?.BreakRequested ?? false;

    public long Completed => Volatile.Read(ref _completed);

    public long Interrupts => Volatile.Read(ref _interrupts);

    /// <summary>
    /// Edge → entry of the DPC routine that served it, for every interrupt (the coalesced ones too). Written by the
    /// device's DPC only, whose runs never overlap.
    /// </summary>
    public LatencyHistogram EdgeToServingDpc { get; } = new();

    /// <summary>Interrupts left out of <see cref="EdgeToServingDpc"/> because the hand-off ring was full.</summary>
    public long ServingUnmeasured => Volatile.Read(ref _servingUnmeasured);

    public bool Started => Volatile.Read(ref _startedNs) != 0;

    public long ElapsedNs => (_stoppedNs != 0 ? _stoppedNs : MonotonicClock.NowNs) - _startedNs;

    public CpuTimes? CpuTime { get; private set; }

    /// <summary>After <see cref="Stop"/>: why queued DPCs were left unrun (the flush timed out), or null when every one ran.</summary>
    public string? ShutdownProblem { get; private set; }

    /// <summary>Opens the source (GPIO errors surface here as <see cref="Gpio.GpioException"/>), starts the kernel and the stimulus.</summary>
    public void Start()
    {
        InterruptServiceRoutine isr = static (_, ctx, ref frame) =>
        {
            var device = (DeviceObject)ctx!;
            ((LatencyRig)device.Extension!).OnInterrupt(frame.TimestampNs);
            device.RequestDpc(); // already queued (coalesced, counted apart) is still this device's interrupt
            return true;
        };
        _ = Source.Connect(Kernel, _controller, isr, Device);
        // The clock interrupt: a periodic timerfd in the same epoll set, at CLOCK IRQL. Its tick
        // drains DPCs left queued (Low, remote Medium), adapts the drain thresholds, expires kernel
        // timers and lets the watchdog see a DPC while it is still running.
        _controller.Register(_clock.Handle, ClockVector);
        Kernel.ConnectClockInterrupt(ClockVector, _clock, "clock");
        Kernel.Start(_controller);
        if (Watch is not null)
        {
            Watch.Start();
            // Its own thread rather than whoever waits for the run: `run` and `soak` never wait on the rig, and the
            // dashboard reads the attribution while the run goes on.
            _watcher = new Thread(WatchLoop) { IsBackground = true, Name = "flight-watch" };
            _watcher.Start();
        }

        _cpuAtStart = CpuTimes.Read(MeasuredCpus());
        var started = MonotonicClock.NowNs;
        _clock.Start(started + Kernel.Timers.TickIntervalNs, Kernel.Timers.TickIntervalNs);
        Volatile.Write(ref _startedNs, started); // read by other threads' snapshots: the source is connected by now
        Source.Start(started);
    }

    /// <summary>Blocks until the loop count or duration is reached, or <paramref name="cancellationToken"/> fires. True when the run completed.</summary>
    public bool Wait(CancellationToken cancellationToken)
    {
        // Saturating: a duration of years must not overflow the ns clock into "already over".
        var deadline = _options.Duration is { } limit && limit.TotalMilliseconds < (long.MaxValue - MonotonicClock.NowNs) / 1_000_000.0
            ? MonotonicClock.NowNs + (long)(limit.TotalMilliseconds * 1_000_000)
            : long.MaxValue;
        try
        {
            if (_options.Loops <= 0 || _options.Source == LatencySource.Timer)
            {
                // In steps of at most a day: a wait takes no more than int.MaxValue ms.
                while (!_done.Wait(TimeSpan.FromMilliseconds(Math.Clamp((deadline - MonotonicClock.NowNs) / 1_000_000.0, 0, 86_400_000)), cancellationToken))
                {
                    if (MonotonicClock.NowNs >= deadline)
                    {
                        return true;
                    }
                }

                return true;
            }

            // Edge sources: the stimulus makes exactly Loops edges; the run is over when the ISR has
            // serviced them, or — if the kernel dropped some — when nothing more arrives for a second
            // after the stimulus finished (the loss is then in the report, never waited for forever).
            var lastSeen = -1L;
            var quietSince = 0L;
            while (!_done.Wait(TimeSpan.FromMilliseconds(100), cancellationToken))
            {
                var now = MonotonicClock.NowNs;
                if (now >= deadline)
                {
                    return true;
                }

                if (!Source.StimulusDone)
                {
                    continue;
                }

                var seen = Interrupts;
                if (seen != lastSeen)
                {
                    lastSeen = seen;
                    quietSince = now;
                }
                else if (now - quietSince > 1_000_000_000)
                {
                    return true;
                }
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>How often the flight-watch thread polls the flight recorder: a late interrupt freezes it for about this long.</summary>
    private const int PollMs = 10;

    /// <summary>The flight-watch thread (SCHED_OTHER, unpinned; never an ISR or DPC thread): polls the watcher until the rig stops or a break ends the run.</summary>
    private void WatchLoop()
    {
        while (!_watcherStop.Wait(PollMs))
        {
            Watch!.Poll();
            if (Watch.BreakRequested)
            {
                _done.Set(); // a break ends the run as its end would
                return;
            }
        }
    }

    /// <summary>
    /// A warm-up's end: <paramref name="warm"/> after the first DPC run and at least <paramref name="runs"/> DPC runs
    /// (the whole path has run often enough for the JIT's call counting and tier-up, and for long enough for its
    /// background compilation), or <paramref name="grace"/> after the start when that has not happened by then.
    /// </summary>
    public void WaitWarm(TimeSpan warm, long runs, TimeSpan grace, CancellationToken cancellationToken)
    {
        var graceEnds = _startedNs + (long)grace.TotalMilliseconds * 1_000_000;
        var firstRunNs = 0L;
        while (!cancellationToken.IsCancellationRequested && !_done.IsSet)
        {
            var now = MonotonicClock.NowNs;
            if (firstRunNs == 0 && Completed > 0)
            {
                firstRunNs = now;
            }

            if ((firstRunNs != 0 && now - firstRunNs >= (long)warm.TotalMilliseconds * 1_000_000 && Completed >= runs) || now >= graceEnds)
            {
                return;
            }

            _done.Wait(5, CancellationToken.None);
        }
    }

    /// <summary>Stops the stimulus and the source, lets queued DPCs finish, then stops the kernel. Nothing recorded is lost.</summary>
    public void Stop()
    {
        if (_stoppedNs != 0)
        {
            return;
        }

        // The order that loses nothing: no new edges, then the ISR services what is pending and
        // stops, then every queued DPC runs, then the workers stop.
        Source.Stop();
        Kernel.StopInterrupts();
        _clock.Stop();
        try
        {
            Kernel.FlushQueuedDpcs(_options.StopFlushLimit);
        }
        catch (TimeoutException e)
        {
            // The run must end and its figures still be reported; what never ran is named, not waited for.
            ShutdownProblem = e.Message;
        }

        _watcherStop.Set();
        _watcher?.Join();
        Watch?.Finish(); // after its thread (the watcher is single-threaded), before the kernel's threads exit: their /proc entries go with them
        _stoppedNs = MonotonicClock.NowNs;
        CpuTime = CpuTimes.Between(_cpuAtStart, CpuTimes.Read(MeasuredCpus()));
        Kernel.Stop();
    }

    public void Dispose()
    {
        Stop();
        Kernel.Dispose();
        _clock.Dispose();
        Source.Dispose();
        _controller.Dispose();
        _done.Dispose();
        _watcherStop.Dispose();
    }

    /// <summary>The CPUs the kernel's threads run on: the ISR core and the DPC cores.</summary>
    private int[] MeasuredCpus() => [.. Kernel.Processors.Append(Kernel.Figures.IsrProcessor).Distinct()];

    private void OnDpc()
    {
        var now = Kernel.Clock.NowNs;
        while (_pendingEdges.TryDequeue(out var edgeNs))
        {
            EdgeToServingDpc.Record(now - edgeNs);
        }

        Interlocked.Increment(ref _completed);
    }

    private void OnInterrupt(long edgeNs)
    {
        if (!_pendingEdges.TryEnqueue(edgeNs))
        {
            Volatile.Write(ref _servingUnmeasured, _servingUnmeasured + 1); // ISR thread only
        }

        var n = ++_interrupts; // ISR thread only
        if (_options.Loops > 0 && n >= _options.Loops)
        {
            _done.Set();
        }
    }
}
