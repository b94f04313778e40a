using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Measurement;

/// <summary>
/// What a latency run measures and for how long. The front-ends (latency, soak, run) fill it from their own
/// spelling (flags or configuration keys) and call <see cref="Validate"/>: the rules live here once, so the
/// front-ends' defaults and checks cannot drift; each only words a <see cref="LatencyOptionsException"/> its way.
/// </summary>
public sealed class LatencySessionOptions
{
    /// <summary>The source when none is named: the timerfd, cyclictest's own measurement, which needs no wiring.</summary>
    public const LatencySource DefaultSource = LatencySource.Timer;

    /// <summary>The shortest interval (µs) of each source: the fake source's stimulus thread cannot pace edges closer than 20 µs.</summary>
    public static long MinimumIntervalUs(LatencySource source) => source == LatencySource.Fake ? 20 : 10;

    /// <summary>The longest interval (µs): 10 s.</summary>
    public const long MaximumIntervalUs = 10_000_000;

    public LatencySource Source { get; set; } = DefaultSource;

    /// <summary>Interval between interrupts (cyclictest -i), in ns.</summary>
    public long IntervalNs { get; set; } = 1_000_000;

    /// <summary>Stop after this many DPCs (cyclictest -l); 0 = until the duration ends or the run is stopped.</summary>
    public long Loops { get; set; }

    /// <summary>Stop after this long (cyclictest -D); null = loops or stop decide.</summary>
    public TimeSpan? Duration { get; set; }

    /// <summary>GPIO chip (name, path or label) for <see cref="LatencySource.Gpio"/>.</summary>
    public string Chip { get; set; } = "gpiochip0";

    /// <summary>Input line offset that takes the edges (BCM number on a Pi).</summary>
    public int InputLine { get; set; } = 27;

    /// <summary>Output line offset the tool toggles; it must be wired to <see cref="InputLine"/>.</summary>
    public int OutputLine { get; set; } = 17;

    /// <summary>Instead of an output line, write "pull-up"/"pull-down" to this gpio-sim sysfs file.</summary>
    public string? DriveSysfs { get; set; }

    /// <summary>The dpcpi-stimulus helper that makes the GPIO source's edges (null: $DPCPI_STIMULUS, else the one next to dpcpi).</summary>
    public string? StimulusPath { get; set; }

    /// <summary>
    /// For <see cref="LatencySource.Sdg"/>: builds the source whose events are the interrupts (e.g. over the user's
    /// System.Device.Gpio controller). Called once per session (the warm-up has its own); the session disposes it.
    /// </summary>
    public Func<IPollableInterruptSource>? CallbackSource { get; set; }

    /// <summary>How reports name <see cref="CallbackSource"/> (e.g. "LibGpiodDriver").</summary>
    public string? CallbackSourceName { get; set; }

    /// <summary>The loopback wiring file for the fake backend (null: a direct 0 ns jumper).</summary>
    public string? WiringFile { get; set; }

    /// <summary>
    /// For <see cref="LatencySource.Fake"/>: the fake backend stamps every edge this long (ns) before it delivers it, as a
    /// slow interrupt path would, so edge→ISR and edge→DPC start grow by it. 0 = none. For tests and demos of a
    /// fleet whose benches differ (e.g. five instances with different latencies behind one Prometheus).
    /// </summary>
    public long FakeLatencyNs { get; set; }

    /// <summary>The largest <see cref="FakeLatencyNs"/>: 1 s.</summary>
    public const long MaximumFakeLatencyUs = 1_000_000;

    public KernelOptions Kernel { get; set; } = DefaultKernel();

    /// <summary>
    /// The kernel settings a latency run starts from, for every front-end: DpcPi's defaults with the ISR thread
    /// running the DPCs it queues on its own core (<see cref="KernelOptions.RunLocalDpcsOnIsrThread"/>, Windows'
    /// DPC at IRQL drop: no worker wake-up). Chosen from the VM tiers: against a worker per core, edge->DPC start
    /// p50 was lower in 13 of 14 runs and p99 in 10 of 14 (arm64, final CI run: 1.11x/0.48x the C reader against
    /// 3.00x/1.41x, DPC runs 99.5 % of interrupts against 94.9 %). The DPC watchdog sees these DPCs too.
    /// </summary>
    public static KernelOptions DefaultKernel() => new() { RunLocalDpcsOnIsrThread = true };

    /// <summary>Hold /dev/cpu_dma_latency at 0 during the measured run (cyclictest --latency); without permission the run goes on and says so.</summary>
    public bool HoldCpuDmaLatency { get; set; } = true;

    /// <summary>The PM QoS device (tests point it elsewhere).</summary>
    public string CpuDmaLatencyPath { get; set; } = Platform.CpuDmaLatency.DevicePath;

    /// <summary>
    /// Before the measured run, the same source drives a throwaway kernel for this long, so the JIT has
    /// compiled (and tiered up) the whole ISR→DPC path before anything is recorded: otherwise the first
    /// interrupts of a .NET process pay milliseconds of compilation and the max says so. The time counts from
    /// the warm-up's first DPC run, not from its start: on a slow machine (a Pi Zero, an emulator) the source
    /// itself may take seconds to produce its first edge, and a warm-up that saw no interrupt warmed nothing.
    /// It gives up <see cref="WarmupGrace"/> after its start if no DPC ran. Nothing the warm-up records is kept.
    /// <see cref="TimeSpan.Zero"/> disables it.
    /// </summary>
    public TimeSpan Warmup { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The warm-up also lasts at least this many DPC runs: the JIT counts calls (30) before it compiles a method
    /// again with full optimisation, so a warm-up by time alone would not cover a slow interval.
    /// </summary>
    public long WarmupRuns { get; set; } = 100;

    /// <summary>How long the warm-up may take in all before it gives up waiting for its runs (the measured run then starts colder).</summary>
    public TimeSpan WarmupGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long stopping waits for the DPCs still queued (a worker that never gets its core, a routine that never
    /// returns); past it the run stops anyway and says which cores were stuck. Tests shorten it.
    /// </summary>
    internal TimeSpan StopFlushLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The flight recorder (--analyze, --break); off unless a threshold is set.</summary>
    public FlightRecorderSettings FlightRecorder { get; set; } = new();

    /// <summary>The kernel options a rig runs with: <see cref="Kernel"/>, with the flight recorder when it is on.</summary>
    internal KernelOptions KernelWithRecorder()
    {
        if (!FlightRecorder.Enabled)
        {
            return Kernel;
        }

        var kernel = Kernel.Clone();
        kernel.FlightRecorderEvents = FlightRecorder.Events;
        kernel.FlightRecorderThresholdNs = FlightRecorder.TriggerNs;
        return kernel;
    }

    /// <summary>True for the warm-up's copy: its rig records (so the JIT compiles the recorder too) but nobody watches.</summary>
    internal bool IsWarmup { get; private init; }

    /// <summary>The source's name as reports and logs spell it ("timer", "fake", "gpio").</summary>
    public string SourceName => Source.ToString().ToLowerInvariant();

    /// <summary>
    /// Checks the settings against each other; throws <see cref="LatencyOptionsException"/> naming the first
    /// setting that is wrong. Every front-end calls this once all its flags or keys are read.
    /// </summary>
    public void Validate()
    {
        if (FlightRecorder.Events < 16 || (FlightRecorder.Events & (FlightRecorder.Events - 1)) != 0)
        {
            throw new LatencyOptionsException(LatencySetting.FlightRecorder, FlightRecorder.Events, "a power of two, 16 or more");
        }

        if (FlightRecorder.BreakContinue && FlightRecorder.BreakThresholdNs is null)
        {
            throw new LatencyOptionsException(LatencySetting.FlightRecorder, "break-continue", "only with a break threshold");
        }

        var intervalUs = IntervalNs / 1000;
        if (intervalUs < MinimumIntervalUs(Source) || intervalUs > MaximumIntervalUs)
        {
            throw new LatencyOptionsException(LatencySetting.Interval, intervalUs, $"{MinimumIntervalUs(Source)}-{MaximumIntervalUs} µs{(Source == LatencySource.Fake ? " for the fake source" : string.Empty)}");
        }

        if (FakeLatencyNs != 0 && (Source != LatencySource.Fake || FakeLatencyNs < 0 || FakeLatencyNs / 1000 > MaximumFakeLatencyUs))
        {
            throw new LatencyOptionsException(LatencySetting.FakeLatency, FakeLatencyNs / 1000, Source != LatencySource.Fake ? "only with the fake source" : $"0-{MaximumFakeLatencyUs} µs");
        }

        var lineSource = Source is LatencySource.Gpio or LatencySource.Sdg;
        if (DriveSysfs is not null && !lineSource)
        {
            throw new LatencyOptionsException(LatencySetting.DriveSysfs, DriveSysfs, "only with the gpio or sdg source");
        }

        if (StimulusPath is not null && !lineSource)
        {
            throw new LatencyOptionsException(LatencySetting.Stimulus, StimulusPath, "only with the gpio or sdg source");
        }

        if (Source == LatencySource.Sdg && CallbackSource is null)
        {
            throw new LatencyOptionsException(LatencySetting.CallbackSource, "none", "a source built over the driver's callbacks");
        }

        if (WiringFile is not null)
        {
            if (Source != LatencySource.Fake)
            {
                throw new LatencyOptionsException(LatencySetting.Wiring, WiringFile, "only with the fake source");
            }

            if (!File.Exists(WiringFile))
            {
                throw new LatencyOptionsException(LatencySetting.Wiring, WiringFile, "an existing wiring file");
            }
        }
        else if (Source != LatencySource.Timer && DriveSysfs is null && InputLine == OutputLine)
        {
            // The edges are driven on the output and taken on the input: one line cannot be both.
            throw new LatencyOptionsException(LatencySetting.OutputLine, OutputLine, $"a line other than the input line ({InputLine})");
        }
    }

    /// <summary>A copy for the warm-up run: same source and kernel settings, no memory locking, no warm-up of its own.</summary>
    internal LatencySessionOptions ForWarmup()
    {
        var kernel = Kernel.Clone();
        kernel.LockMemory = false; // process-wide: the measured kernel locks (and unlocks) memory itself
        return new LatencySessionOptions
        {
            Source = Source,
            IntervalNs = IntervalNs,
            Duration = null, // the warm-up's own wait ends it: see LatencyRig.WaitWarm
            Chip = Chip,
            InputLine = InputLine,
            OutputLine = OutputLine,
            DriveSysfs = DriveSysfs,
            StimulusPath = StimulusPath,
            WiringFile = WiringFile,
            FakeLatencyNs = FakeLatencyNs,
            CallbackSource = CallbackSource,
            CallbackSourceName = CallbackSourceName,
            Kernel = kernel,
            Warmup = TimeSpan.Zero,
            FlightRecorder = FlightRecorder,
            IsWarmup = true,
        };
    }
}
