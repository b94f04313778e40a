using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Measurement;

/// <summary>
/// Where a latency run's interrupts come from, with what drives them: connects its interrupt to the kernel and
/// the epoll controller, starts and stops its stimulus, and keeps the source's own counts (edges generated,
/// lost and merged, timer overruns). <see cref="Create"/> is the one factory for timer, fake and gpio.
/// </summary>
internal abstract class MeasuredSource : IDisposable
{
    /// <summary>The vector of the measured device's interrupt (the clock interrupt takes 0).</summary>
    public const int Vector = 1;

    /// <summary>Builds the source <paramref name="options"/> names; nothing is opened before <see cref="Connect"/>.</summary>
    public static MeasuredSource Create(LatencySessionOptions options) => options.Source switch
    {
        LatencySource.Timer => new TimerSource(options),
        LatencySource.Fake => new FakeLoopbackSource(options),
        LatencySource.Gpio => new GpioLoopbackSource(options),
        LatencySource.Sdg => new CallbackLoopbackSource(options),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Source, "no such latency source"),
    };

    /// <summary>Opens the source and connects its interrupt (GPIO errors surface here as <see cref="GpioException"/>).</summary>
    public abstract Interrupt Connect(DpcKernel kernel, EpollInterruptController controller, InterruptServiceRoutine isr, DeviceObject device);

    /// <summary>Starts the interrupts: the timer's first expiry or the stimulus's first edge one interval after <paramref name="startedNs"/>.</summary>
    public abstract void Start(long startedNs);

    /// <summary>Stops making interrupts (no new edges or expiries); what is already pending is still serviced.</summary>
    public abstract void Stop();

    public abstract void Dispose();

    /// <summary>Edges the stimulus generated (0 for the timer).</summary>
    public virtual long Generated => 0;

    /// <summary>True once a counted stimulus has made all its edges.</summary>
    public virtual bool StimulusDone => false;

    /// <summary>The stimulus process's report line (gpio), or null.</summary>
    public virtual string? StimulusSummary => null;

    /// <summary>GPIO edges lost in the kernel (seqno gaps) and merged (equal edges in a row).</summary>
    public virtual GpioLineStatistics GpioStatistics => default;

    /// <summary>Timer expiries that passed without an interrupt of their own.</summary>
    public virtual long TimerOverruns => 0;

    /// <summary>Set when the device failed while running (e.g. the GPIO chip disappeared).</summary>
    public virtual Exception? Failure => null;

    /// <summary>What the source's figures cannot show (e.g. no kernel timestamps), for the report; null when nothing.</summary>
    public virtual string? Caveat => null;

    /// <summary>For the cold-start warning: what to check when no interrupt reached a DPC, or empty.</summary>
    public virtual string ColdStartHint => string.Empty;
}
