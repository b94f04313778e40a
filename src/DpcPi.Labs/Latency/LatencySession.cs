using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Labs.Latency;

/// <summary>
/// One latency measurement, cyclictest-style: a source raises interrupts on the ISR thread, the
/// ISR queues its device's DpcForIsr, the DPC counts. The kernel records every stage; this class
/// only wires the pieces, drives the stimulus and decides when the run is over.
/// </summary>
public sealed class LatencySession : IDisposable
{
    private const int Vector = 1;
    private const int ClockVector = 0;
    private readonly LatencySessionOptions _options;
    private readonly EpollInterruptController _controller = new();
    private readonly ManualResetEventSlim _done = new(false, 0);
    private readonly CancellationTokenSource _stop = new();
    private TimerInterruptSource? _timer;
    private readonly TimerInterruptSource _clock = new();
    private GpioInterruptSource? _gpio;
    private GpioLineRequest? _input;
    private GpioLineRequest? _output;
    private IGpioBackend? _backend;
    private Thread? _stimulus;
    private ExternalStimulus? _external;
    private long _completed;
    private long _interrupts;
    private long _generated;
    private volatile bool _stimulusDone;
    private long _startedNs;
    private long _stoppedNs;
    private CpuTimes? _cpuAtStart;
    private int _inputLine;
    private int _outputLine;

    public LatencySession(LatencySessionOptions options)
    {
        _options = options;
        _inputLine = options.InputLine;
        _outputLine = options.OutputLine;
        Kernel = new DpcKernel(options.Kernel);
        Device = Kernel.CreateDevice("latency", static (_, ctx, _, _) => ((LatencySession)((DeviceObject)ctx!).Extension!).OnDpc(), this);
    }

    public DpcKernel Kernel { get; }

    public DeviceObject Device { get; }

    /// <summary>DPC runs completed so far (fewer than <see cref="Interrupts"/> when DpcForIsr inserts coalesce).</summary>
    public long Completed => Volatile.Read(ref _completed);

    /// <summary>Interrupts the ISR has serviced (cyclictest's loop count).</summary>
    public long Interrupts => Volatile.Read(ref _interrupts);

    /// <summary>Edges the stimulus generated (GPIO and fake sources; for GPIO the stimulus process's own count, final after <see cref="Stop"/>).</summary>
    public long Generated => _external?.Generated ?? Volatile.Read(ref _generated);

    /// <summary>The stimulus process's report line (GPIO source), or null.</summary>
    public string? StimulusSummary => _external?.Summary;

    private bool StimulusDone => _stimulusDone || (_external?.HasExited ?? false);

    /// <summary>GPIO edges lost in the kernel (seqno gaps) and merged (equal edges in a row).</summary>
    public GpioLineStatistics GpioStatistics => _input?.TotalStatistics ?? default;

    /// <summary>Timer expiries that passed without an interrupt of their own.</summary>
    public long TimerOverruns => _timer?.Overruns ?? 0;

    /// <summary>Events merged into another event's interrupt by the source: GPIO edges merged in a row, or timer expiries that passed without an interrupt of their own.</summary>
    public long MergedEvents => GpioStatistics.Merged + TimerOverruns;

    /// <summary>Set when the GPIO device failed while running (e.g. the chip disappeared).</summary>
    public Exception? SourceFailure => _gpio?.Failure;

    public long ElapsedNs => (_stoppedNs != 0 ? _stoppedNs : MonotonicClock.NowNs) - _startedNs;

    public string SourceName => _options.Source.ToString().ToLowerInvariant();

    /// <summary>After <see cref="Stop"/>: the CPU time of the kernel's CPUs (ISR core and DPC cores) during the measured run, and the hypervisor's steal of it; null before or where unknown.</summary>
    public CpuTimes? CpuTime { get; private set; }

    /// <summary>
    /// After <see cref="Stop"/>: the share of the kernel's CPUs' time the hypervisor gave to others during the measured
    /// run (/proc/stat steal, %); null before, where unknown, or when the run was too short for /proc/stat's 10 ms
    /// ticks to count any of it.
    /// </summary>
    public double? StealPercent => CpuTime?.StealPercent;

    /// <summary>How long the warm-up ran before this session started measuring (0 when disabled).</summary>
    public TimeSpan WarmupElapsed { get; private set; }

    /// <summary>DPC runs the warm-up saw: 0 means it ended at its grace period with nothing warmed.</summary>
    public long WarmupDpcRuns { get; private set; }

    /// <summary>
    /// After <see cref="Start"/>: one line for the user when a warm-up ran but no interrupt reached a DPC in it
    /// (on a gpio loopback, asking whether the lines are wired); null when the run starts warm or without one.
    /// </summary>
    public string? ColdStartWarning
    {
        get
        {
            if (_options.Warmup <= TimeSpan.Zero || WarmupElapsed == TimeSpan.Zero || WarmupDpcRuns != 0)
            {
                return null;
            }

            var hint = _options.Source == LatencySource.Gpio && _options.DriveSysfs is null
                ? $"; is output line {_options.OutputLine} wired to input line {_options.InputLine}?"
                : string.Empty;
            return $"warm-up: no interrupt reached a DPC within {_options.WarmupGrace.TotalSeconds:0} s, so the measured run starts cold (its first interrupts include JIT compilation){hint}";
        }
    }

    /// <summary>
    /// Runs the warm-up (if any: a throwaway session of the same source, see <see cref="LatencySessionOptions.Warmup"/>),
    /// then opens the source (GPIO errors surface here as <see cref="GpioException"/>), starts the kernel and the stimulus.
    /// </summary>
    public void Start(CancellationToken cancellationToken = default)
    {
        if (_options.Warmup > TimeSpan.Zero)
        {
            var began = MonotonicClock.NowNs;
            using (var warmup = new LatencySession(_options.ForWarmup()))
            {
                warmup.Start(cancellationToken);
                warmup.WaitWarm(_options.Warmup, _options.WarmupRuns, _options.WarmupGrace, cancellationToken);
                warmup.Stop();
                WarmupDpcRuns = warmup.Completed;
            }

            WarmupElapsed = TimeSpan.FromTicks((MonotonicClock.NowNs - began) / 100);
        }

        _ = ConnectSource();
        // The clock interrupt: a periodic timerfd in the same epoll set, at CLOCK IRQL. Its tick
        // drains DPCs left queued (Low, remote Medium), adapts the drain thresholds, expires kernel
        // timers and lets the watchdog see a DPC while it is still running.
        _controller.Register(_clock.Handle, ClockVector);
        Kernel.ConnectClockInterrupt(ClockVector, _clock, "clock");
        Kernel.Start(_controller);
        _cpuAtStart = CpuTimes.Read(MeasuredCpus());
        _startedNs = MonotonicClock.NowNs;
        _clock.Start(_startedNs + Kernel.Timers.TickIntervalNs, Kernel.Timers.TickIntervalNs);
        switch (_options.Source)
        {
            case LatencySource.Timer:
                _timer!.Start(_startedNs + _options.IntervalNs, _options.IntervalNs);
                break;
            case LatencySource.Gpio:
                // A separate process: see ExternalStimulus for why the edges never come from this one.
                _external = ExternalStimulus.Start(
                    ExternalStimulus.Locate(_options.StimulusPath),
                    _options.DriveSysfs,
                    _options.DriveSysfs is null ? _backend!.GetChip(_options.Chip).Path : null,
                    _outputLine,
                    _options.IntervalNs,
                    _options.Loops);
                break;
            default:
                _stimulus = new Thread(StimulusLoop) { IsBackground = true, Name = "stimulus" };
                _stimulus.Start();
                break;
        }
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
            while (!_done.Wait(100, cancellationToken))
            {
                var now = MonotonicClock.NowNs;
                if (now >= deadline)
                {
                    return true;
                }

                if (!StimulusDone)
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

    /// <summary>
    /// A warm-up's end: <paramref name="warm"/> after the first DPC run and at least <paramref name="runs"/> DPC runs
    /// (the whole path has run often enough for the JIT's call counting and tier-up, and for long enough for its
    /// background compilation), or <paramref name="grace"/> after the start when that has not happened by then.
    /// </summary>
    private void WaitWarm(TimeSpan warm, long runs, TimeSpan grace, CancellationToken cancellationToken)
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
        _stop.Cancel();
        _timer?.Stop();
        _stimulus?.Join(TimeSpan.FromSeconds(1));
        _external?.Stop();
        Kernel.StopInterrupts();
        _clock.Stop();
        Kernel.FlushQueuedDpcs();
        _stoppedNs = MonotonicClock.NowNs;
        CpuTime = CpuTimes.Between(_cpuAtStart, CpuTimes.Read(MeasuredCpus()));
        Kernel.Stop();
    }

    /// <summary>The CPUs the kernel's threads run on: the ISR core and the DPC cores.</summary>
    private int[] MeasuredCpus() => [.. Kernel.Processors.Append(Kernel.IsrProcessor).Distinct()];

    public void Dispose()
    {
        Stop();
        Kernel.Dispose();
        _timer?.Dispose();
        _clock.Dispose();
        _input?.Dispose();
        _output?.Dispose();
        _external?.Dispose();
        _controller.Dispose();
        _done.Dispose();
        _stop.Dispose();
    }

    private Interrupt ConnectSource()
    {
        InterruptServiceRoutine isr = static (_, ctx, ref _) =>
        {
            var device = (DeviceObject)ctx!;
            ((LatencySession)device.Extension!).OnInterrupt();
            _ = device.RequestDpc(); // already queued (coalesced, counted apart) is still this device's interrupt
            return true;
        };
        switch (_options.Source)
        {
            case LatencySource.Timer:
                _timer = new TimerInterruptSource();
                _controller.Register(_timer.Handle, Vector);
                return Kernel.ConnectInterrupt(Vector, isr, Device, _timer, Irql.Device, "timer");
            case LatencySource.Fake:
                var fake = new FakeGpioBackend();
                fake.AddChip("gpiochip0", "fake-loopback", 54);
                if (_options.WiringFile is { } file)
                {
                    var wiring = WiringLoader.Load(file);
                    fake.AddWires(wiring, "gpiochip0");
                    (_outputLine, _inputLine) = LoopbackLines(wiring);
                }
                else
                {
                    fake.AddWire("gpiochip0", _outputLine, "gpiochip0", _inputLine);
                }

                _backend = fake;
                return OpenGpio("gpiochip0", isr, driveOutput: true);
            default:
                _backend = new LinuxGpioBackend();
                if (_options.DriveSysfs is { } pull)
                {
                    // The line starts low, so the stimulus's first write is a rising edge (no edge if it already is).
                    File.WriteAllText(pull, "pull-down");
                }

                return OpenGpio(_options.Chip, isr, driveOutput: false); // the stimulus process drives the output line
        }
    }

    /// <summary>The loopback a wiring file describes: its first wire from an output pin to an input pin that takes edges.</summary>
    private static (int Output, int Input) LoopbackLines(WiringDocument wiring)
    {
        foreach (var wire in wiring.Wires)
        {
            var from = wiring.Pin(wire.From);
            var to = wiring.Pin(wire.To);
            if (from.Direction == PinMode.Output && to.Direction == PinMode.Input && to.Edges != PinEventTypes.None)
            {
                return (from.Gpio, to.Gpio);
            }
        }

        throw new WiringException($"Wiring \"{wiring.Name}\" has no wire from an output pin to an input pin with edges, so it is no loopback to measure.");
    }

    private Interrupt OpenGpio(string chip, InterruptServiceRoutine isr, bool driveOutput)
    {
        var input = new GpioLineRequestOptions("dpcpi-latency").Add(_inputLine, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling));
        _input = _backend!.RequestLines(chip, input);
        if (driveOutput)
        {
            _output = _backend.RequestLines(chip, new GpioLineRequestOptions("dpcpi-stimulus").Add(_outputLine, GpioLineSettings.Output()));
        }

        _gpio = new GpioInterruptSource(_input);
        _controller.Register(_input.ReadinessHandle, Vector);
        return Kernel.ConnectInterrupt(Vector, isr, Device, _gpio, Irql.Device, $"gpio {chip}:{_inputLine}");
    }

    private void OnDpc() => Interlocked.Increment(ref _completed);

    private void OnInterrupt()
    {
        var n = ++_interrupts; // ISR thread only
        if (_options.Loops > 0 && n >= _options.Loops)
        {
            _done.Set();
        }
    }

    /// <summary>The fake source's stimulus (the fake backend lives in this process, so its wire does too); GPIO runs use <see cref="ExternalStimulus"/>.</summary>
    private void StimulusLoop()
    {
        _ = ThreadControl.SetTimerSlack(1);
        var level = false;
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            // Sleep, do not spin: each edge's latency counts from its own timestamp, so the stimulus's
            // wake-up jitter moves the edge, not the figure, and a spinning stimulus would take a whole core
            // from the runtime's JIT and GC threads (on a 2-core machine, half of it). The interval is
            // relative, as in dpcpi-stimulus: a late wake-up delays the next edges, never bunches them.
            MonotonicClock.SleepUntil(MonotonicClock.NowNs + _options.IntervalNs);
            if (token.IsCancellationRequested)
            {
                break;
            }

            level = !level;
            try
            {
                _output!.Write(_outputLine, level ? PinValue.High : PinValue.Low);
                if (_backend is FakeGpioBackend fake && fake.NextScheduledNs is { } arrives)
                {
                    // A wire with a propagation delay: the edge exists once the delay has passed.
                    while (MonotonicClock.NowNs < arrives)
                    {
                        Thread.SpinWait(4);
                    }

                    fake.RunDue();
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                return; // the device went away; the ISR side reports it
            }

            if (Interlocked.Increment(ref _generated) >= _options.Loops && _options.Loops > 0)
            {
                _stimulusDone = true;
                return;
            }
        }
    }
}
