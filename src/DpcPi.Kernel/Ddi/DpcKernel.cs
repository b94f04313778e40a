using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Kernel;

/// <summary>
/// The DPC machinery of one process, behaviour for behaviour after Windows: per-core DPC queues
/// with importance and target processors, threaded DPCs, remove and flush, interrupt objects
/// dispatched by one ISR thread, the clock tick's threshold adaptation and the DPC watchdog.
/// Knows nothing of GPIO, hosting or logging: interrupt sources plug in through
/// <see cref="IInterruptController"/> and <see cref="IInterruptSource"/>.
/// </summary>
/// <remarks>
/// The DDI facade, one partial per group of routines: objects and IRQL (<c>DpcKernel.Objects.cs</c>), the DPC
/// queue (<c>.Queues</c>), timers and the clock tick (<c>.Timers</c>), the kernel's threads (<c>.Threads</c>),
/// figures (<c>.Statistics</c>, read from outside through <see cref="KernelFigures"/>, so this facade stays the DDI). It calls down into the per-core <see cref="DpcProcessor"/>s, which never call back.
/// </remarks>
public sealed partial class DpcKernel : IDisposable
{
    private const int MaxVectors = 1024;
    private readonly DpcProcessor[] _processors;
    private readonly DpcProcessor?[] _byCpu;
    private readonly DpcProcessor? _isrDrainProcessor; // the ISR core when the ISR thread runs its DPCs (RunLocalDpcsOnIsrThread)
    private readonly Interrupt?[] _vectors = new Interrupt?[MaxVectors];
    private readonly List<Dpc> _dpcs = [];
    private readonly List<Interrupt> _interrupts = [];
    private readonly Lock _registryLock = new();
    private readonly Lock _flushLock = new();
    private readonly KernelEventLog _log;
    private readonly List<Thread> _threads = [];
    private readonly LatencyRecorder _isrRecorder;
    private IInterruptController? _controller;
    private volatile bool _stopping;
    private volatile bool _isrStopping;
    private Thread? _isrThread;
    private bool _started;
    private volatile bool _clockDriven; // ConnectClockInterrupt or ClockTick: remote inserts may wait for the tick
    private Interrupt? _clockInterrupt;
    private long _ticks;
    private long _isrTimeNs;

    public DpcKernel(KernelOptions? options = null)
    {
        Options = options ?? new KernelOptions();
        Options.Validate();
        Clock = Options.Clock;
        EpochNs = Clock.NowNs;
        var cpus = (Options.Processors ?? ThreadControl.GetAllowedCpus()).Distinct().ToArray();
        if (cpus.Length == 0)
        {
            throw new ArgumentException("The kernel needs at least one processor.", nameof(options));
        }

        foreach (var cpu in cpus)
        {
            if (cpu < 0 || cpu >= 1024)
            {
                throw new ArgumentOutOfRangeException(nameof(options), cpu, $"Processor {cpu} is not a CPU number (0..1023).");
            }
        }

        Processors = cpus;
        IsrProcessor = Options.IsrProcessor >= 0 ? Options.IsrProcessor : cpus[^1];
        var isrThreadDrains = Options.RunLocalDpcsOnIsrThread && Options.StartThreads;
        _log = new KernelEventLog(Options, Clock);
        Flight = Options.FlightRecorderEvents > 0 ? new FlightRecorder(Options.FlightRecorderEvents, Options.FlightRecorderThresholdNs, cpus) : null;
        _byCpu = new DpcProcessor?[cpus.Max() + 1];
        _processors = new DpcProcessor[cpus.Length];
        for (var i = 0; i < cpus.Length; i++)
        {
            _processors[i] = new DpcProcessor(cpus[i], Options, Clock, EpochNs, _log, drainsOnIsrThread: isrThreadDrains && cpus[i] == IsrProcessor, Flight);
            _byCpu[cpus[i]] = _processors[i];
        }

        // A manual kernel's test is its clock (it ticks and drains by hand), so remote inserts defer there from the start.
        SetClockDriven(!Options.StartThreads);
        _isrDrainProcessor = isrThreadDrains && HasProcessor(IsrProcessor) ? _byCpu[IsrProcessor] : null;
        _isrRecorder = new LatencyRecorder(EpochNs, 1);
        Timers = new TimerTable(this);
        Figures = new KernelFigures(this);
    }

    internal KernelOptions Options { get; }

    /// <summary>The flight recorder (<see cref="KernelOptions.FlightRecorderEvents"/>), or null when off.</summary>
    internal FlightRecorder? Flight { get; }

    public IKernelClock Clock { get; }

    /// <summary>
    /// When the kernel started (until <see cref="Start"/>: when it was created): the origin of the per-second
    /// timeline, so time spent between creation and start (a warm-up, opening devices) is no empty seconds.
    /// </summary>
    internal long EpochNs { get; private set; }

    /// <summary>The CPUs with a DPC queue.</summary>
    public IReadOnlyList<int> Processors { get; }

    /// <summary>The CPU the ISR thread runs on.</summary>
    internal int IsrProcessor { get; }

    internal KernelGuarantees Guarantees { get; } = new();

    /// <summary>The timer table: what the timer interrupt source programs and calls.</summary>
    public TimerTable Timers { get; }

    /// <summary>The one way to read the kernel's figures, objects and events from outside it (snapshots, reports, hosts).</summary>
    public KernelFigures Figures { get; }

    /// <summary>Completes when a fail-fast policy stops the kernel (DPC exception or watchdog).</summary>
    internal Task<KernelFault> Faulted => _log.Faulted;

    internal bool HasProcessor(int cpu) => cpu >= 0 && cpu < _byCpu.Length && _byCpu[cpu] is not null;

    public void Dispose()
    {
        Stop();
        foreach (var p in _processors)
        {
            p.Dispose();
        }
    }

    internal DpcProcessor GetProcessor(int cpu) =>
        HasProcessor(cpu) ? _byCpu[cpu]! : throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"CPU {cpu} has no DPC queue; the kernel's cores are {string.Join(", ", Processors)}.");

    /// <summary>The processor of the calling thread: its bound core for kernel threads, else where it runs now.</summary>
    private DpcProcessor CurrentProcessor()
    {
        var cpu = KernelThread.Cpu;
        if (cpu < 0)
        {
            cpu = Thread.GetCurrentProcessorId();
        }

        return cpu >= 0 && cpu < _byCpu.Length && _byCpu[cpu] is { } p ? p : _processors[0];
    }
}
