using System.Collections.Concurrent;
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
public sealed partial class DpcKernel : IDisposable
{
    private const int MaxVectors = 1024;
    private readonly DpcProcessor[] _processors;
    private readonly DpcProcessor?[] _byCpu;
    private readonly DpcLane? _isrDrainLane; // the ISR core's normal lane when the ISR thread runs its DPCs (RunLocalDpcsOnIsrThread)
    private bool _isrDrainPending; // ISR thread only: a DPC it queued on its own core asked for the drain
    private readonly Interrupt?[] _vectors = new Interrupt?[MaxVectors];
    private readonly List<Dpc> _dpcs = [];
    private readonly List<Interrupt> _interrupts = [];
    private readonly Lock _registryLock = new();
    private readonly Lock _flushLock = new();
    private readonly ConcurrentQueue<KernelEvent> _events = new();
    private readonly ConcurrentDictionary<Dpc, bool> _reportedExceptions = new();
    private readonly TaskCompletionSource<KernelFault> _fault = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Thread> _threads = [];
    private readonly LatencyRecorder _isrRecorder;
    private IInterruptController? _controller;
    private volatile bool _stopping;
    private volatile bool _isrStopping;
    private Thread? _isrThread;
    private bool _started;
    private long _ticks;
    private long _watchdogEvents;
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
        _byCpu = new DpcProcessor?[cpus.Max() + 1];
        _processors = new DpcProcessor[cpus.Length];
        for (var i = 0; i < cpus.Length; i++)
        {
            _processors[i] = new DpcProcessor(this, cpus[i], i);
            _byCpu[cpus[i]] = _processors[i];
        }

        IsrProcessor = Options.IsrProcessor >= 0 ? Options.IsrProcessor : cpus[^1];
        _isrDrainLane = Options.RunLocalDpcsOnIsrThread && Options.StartThreads && IsrProcessor < _byCpu.Length ? _byCpu[IsrProcessor]?.Normal : null;
        _isrRecorder = new LatencyRecorder(EpochNs, 1);
        Timers = new TimerTable(this);
    }

    public KernelOptions Options { get; }

    public IKernelClock Clock { get; }

    /// <summary>
    /// When the kernel started (until <see cref="Start"/>: when it was created): the origin of the per-second
    /// timeline, so time spent between creation and start (a warm-up, opening devices) is no empty seconds.
    /// </summary>
    public long EpochNs { get; private set; }

    /// <summary>The CPUs with a DPC queue.</summary>
    public IReadOnlyList<int> Processors { get; }

    /// <summary>The CPU the ISR thread runs on.</summary>
    public int IsrProcessor { get; }

    public KernelGuarantees Guarantees { get; } = new();

    /// <summary>The timer table: what the timer interrupt source programs and calls.</summary>
    public TimerTable Timers { get; }

    /// <summary>Completes when a fail-fast policy stops the kernel (DPC exception or watchdog).</summary>
    public Task<KernelFault> Faulted => _fault.Task;

    /// <summary>The IRQL of the calling thread.</summary>
    public static Irql CurrentIrql => KernelThread.Irql;

    /// <summary>The ISR thread's own latency record (edge→ISR and ISR duration, every vector).</summary>
    public LatencyRecorder IsrRecorder => _isrRecorder;

    public long ClockTicks => Volatile.Read(ref _ticks);

    public long WatchdogViolations => Volatile.Read(ref _watchdogEvents);

    /// <summary>Total time spent inside ISRs (ns).</summary>
    public long TimeInIsrNs => Volatile.Read(ref _isrTimeNs);

    public IReadOnlyList<Interrupt> Interrupts
    {
        get
        {
            using (_registryLock.EnterScope())
            {
                return _interrupts.ToArray();
            }
        }
    }

    public IReadOnlyList<Dpc> Dpcs
    {
        get
        {
            using (_registryLock.EnterScope())
            {
                return _dpcs.Where(d => !d.IsInternal).ToArray();
            }
        }
    }

    /// <summary>KeRaiseIrql: raises the calling thread's IRQL and returns the old one.</summary>
    public static Irql RaiseIrql(Irql newIrql)
    {
        var old = KernelThread.Irql;
        if (newIrql < old)
        {
            throw new InvalidOperationException($"IRQL_NOT_GREATER_OR_EQUAL: cannot raise from {old} to {newIrql}.");
        }

        KernelThread.Irql = newIrql;
        return old;
    }

    /// <summary>KeLowerIrql.</summary>
    public static void LowerIrql(Irql newIrql)
    {
        if (newIrql > KernelThread.Irql)
        {
            throw new InvalidOperationException($"IRQL_NOT_LESS_OR_EQUAL: cannot lower from {KernelThread.Irql} to {newIrql}.");
        }

        KernelThread.Irql = newIrql;
    }

    public bool HasProcessor(int cpu) => cpu >= 0 && cpu < _byCpu.Length && _byCpu[cpu] is not null;

    /// <summary>KeInitializeDpc.</summary>
    public Dpc InitializeDpc(DeferredRoutine routine, object? deferredContext = null, string? name = null) => Register(new Dpc(this, routine, deferredContext, threaded: false, name));

    /// <summary>KeInitializeThreadedDpc: drained by the core's lower-priority threaded-DPC thread at PASSIVE.</summary>
    public Dpc InitializeThreadedDpc(DeferredRoutine routine, object? deferredContext = null, string? name = null) => Register(new Dpc(this, routine, deferredContext, threaded: true, name));

    /// <summary>IoCreateDevice + IoInitializeDpcRequest.</summary>
    public DeviceObject CreateDevice(string name, DeferredRoutine dpcForIsr, object? extension = null) => new(this, name, dpcForIsr, extension);

    /// <summary>IoConnectInterrupt: binds <paramref name="vector"/> to an ISR. The source is what the ISR thread calls when the vector is pending.</summary>
    public Interrupt ConnectInterrupt(int vector, InterruptServiceRoutine isr, object? serviceContext = null, IInterruptSource? source = null, Irql irql = Irql.Device, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(isr);
        if (vector is < 0 or >= MaxVectors)
        {
            throw new ArgumentOutOfRangeException(nameof(vector), vector, $"Vectors are 0..{MaxVectors - 1}.");
        }

        if (irql <= Irql.Dispatch)
        {
            throw new ArgumentOutOfRangeException(nameof(irql), irql, "An ISR runs above DISPATCH_LEVEL.");
        }

        var interrupt = new Interrupt(this, vector, name ?? $"vector {vector}", irql, isr, serviceContext, source);
        using (_registryLock.EnterScope())
        {
            if (_vectors[vector] is not null)
            {
                throw new InvalidOperationException($"Vector {vector} is already connected to {_vectors[vector]!.Name}.");
            }

            _interrupts.Add(interrupt);
            Volatile.Write(ref _vectors[vector], interrupt);
        }

        return interrupt;
    }

    /// <summary>IoDisconnectInterrupt.</summary>
    public void DisconnectInterrupt(Interrupt interrupt)
    {
        using (_registryLock.EnterScope())
        {
            if (ReferenceEquals(_vectors[interrupt.Vector], interrupt))
            {
                Volatile.Write(ref _vectors[interrupt.Vector], null);
            }
        }
    }

    /// <summary>KeSynchronizeExecution: runs <paramref name="callback"/> at the interrupt's IRQL holding its spin lock, excluded from its ISR.</summary>
    public static bool SynchronizeExecution(Interrupt interrupt, Func<object?, bool> callback, object? context = null)
    {
        ArgumentNullException.ThrowIfNull(interrupt);
        ArgumentNullException.ThrowIfNull(callback);
        return interrupt.Synchronize(callback, context);
    }

    /// <summary>Manual kernels: one pass of the ISR loop on the calling thread (acting as the ISR thread on <see cref="IsrProcessor"/>).</summary>
    public int PollInterrupts(IInterruptController controller, int timeoutMs = 0)
    {
        Span<int> vectors = stackalloc int[64];
        var savedCpu = KernelThread.Cpu;
        KernelThread.Cpu = IsrProcessor;
        try
        {
            return ServiceInterrupts(controller, vectors, timeoutMs);
        }
        finally
        {
            KernelThread.Cpu = savedCpu;
        }
    }

    /// <summary>
    /// The clock interrupt's kernel work (KeUpdateRunTime for every core): drains left-over DPCs, adapts
    /// the drain thresholds, updates request rates, checks the watchdog; in <see cref="TimerMode.PeriodicTick"/>
    /// it then expires every timer due by now. Called by the tick ISR (<see cref="ConnectClockInterrupt"/>).
    /// </summary>
    public void ClockTick()
    {
        var previous = KernelThread.Irql;
        KernelThread.Irql = Irql.Clock;
        try
        {
            Interlocked.Increment(ref _ticks);
            var now = Clock.NowNs;
            foreach (var p in _processors)
            {
                p.OnClockTick(now);
            }

            // After the per-core work, as Windows queues its timer expiry after KeUpdateRunTime: timer
            // DPCs queued by this tick are not mistaken for DPCs left over from the last one.
            if (Options.TimerMode == TimerMode.PeriodicTick)
            {
                _ = Timers.ExpireTimers(now);
            }
        }
        finally
        {
            KernelThread.Irql = previous;
        }
    }

    public ProcessorStatistics GetProcessorStatistics(int cpu) => GetProcessor(cpu).GetStatistics();

    public IReadOnlyList<ProcessorStatistics> GetProcessorStatistics() => _processors.Select(p => p.GetStatistics()).ToArray();

    /// <summary>The DPC worker's latency record for <paramref name="cpu"/>.</summary>
    public LatencyRecorder GetRecorder(int cpu, bool threaded = false) => threaded ? GetProcessor(cpu).ThreadedRecorder : GetProcessor(cpu).Recorder;

    /// <summary>One stage merged over the ISR thread and every core (a new snapshot for reports; ~220 KB).</summary>
    public LatencyHistogram MergeStage(LatencyStage stage)
    {
        var merged = new LatencyHistogram();
        MergeStageInto(stage, merged);
        return merged;
    }

    /// <summary>
    /// Resets <paramref name="target"/> and merges one stage into it: the allocation-free form for
    /// callers that sample periodically (status lines, metrics, live views), so a long-running
    /// service does not churn the large-object heap.
    /// </summary>
    public void MergeStageInto(LatencyStage stage, LatencyHistogram target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Reset();
        target.Add(_isrRecorder[stage]);
        foreach (var p in _processors)
        {
            target.Add(p.Recorder[stage]);
            target.Add(p.ThreadedRecorder[stage]);
        }
    }

    /// <summary>Events for the host to log (exceptions, watchdog), oldest first; drains the queue.</summary>
    public IReadOnlyList<KernelEvent> DrainEvents()
    {
        var list = new List<KernelEvent>();
        while (_events.TryDequeue(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    /// <summary>Starts the workers and, with a controller, the ISR thread. Returns once every thread has applied its scheduling.</summary>
    public void Start(IInterruptController? controller = null)
    {
        if (_started)
        {
            throw new InvalidOperationException("The kernel is already started.");
        }

        _started = true;
        _controller = controller;
        EpochNs = Clock.NowNs;
        _isrRecorder.Rebase(EpochNs);
        foreach (var p in _processors)
        {
            p.Recorder.Rebase(EpochNs);
            p.ThreadedRecorder.Rebase(EpochNs);
        }

        if (Options.LockMemory)
        {
            var e = ThreadControl.LockAllMemory();
            Guarantees.MemoryLocked = e == 0;
            if (e != 0)
            {
                Guarantees.AddNote($"mlockall refused: {ThreadControl.Describe(e)}; pages may fault during measurement (needs CAP_IPC_LOCK or a higher RLIMIT_MEMLOCK)");
            }
        }
        else
        {
            Guarantees.AddNote("memory locking not requested (-m / LockMemory)");
        }

        if (!Options.StartThreads)
        {
            Guarantees.AddNote("manual kernel: no worker threads, no real-time scheduling");
            return;
        }

        // Lowest priority first: a thread that has just made itself SCHED_FIFO on a core where a higher
        // FIFO worker already spins would never get to say it is ready.
        using (var threadedReady = new CountdownEvent(_processors.Length))
        {
            foreach (var p in _processors)
            {
                StartThread($"dpc-thr/{p.Cpu}", () => WorkerLoop(p, threadedReady, threaded: true));
            }

            threadedReady.Wait();
        }

        using var ready = new CountdownEvent(_processors.Length + (controller is null ? 0 : 1));
        foreach (var p in _processors)
        {
            StartThread($"dpc/{p.Cpu}", () => WorkerLoop(p, ready, threaded: false));
        }

        if (controller is not null)
        {
            _isrThread = StartThread("isr", () => IsrLoop(controller, ready));
        }

        ready.Wait();
    }

    /// <summary>
    /// Stops taking interrupts: the ISR thread services whatever its vectors have pending (one last
    /// non-blocking pass) and exits. Workers keep running, so a <see cref="FlushQueuedDpcs"/> after
    /// this call runs every DPC any interrupt queued — the shutdown order that loses nothing:
    /// stop the sources, <see cref="StopInterrupts"/>, <see cref="FlushQueuedDpcs"/>, <see cref="Stop"/>.
    /// </summary>
    public void StopInterrupts(TimeSpan? timeout = null)
    {
        if (_isrStopping)
        {
            return;
        }

        _isrStopping = true;
        _controller?.Wake();
        _isrThread?.Join(timeout ?? TimeSpan.FromSeconds(2));
    }

    /// <summary>Stops the ISR thread (if still running) and the workers. Queued DPCs are not run: use the order on <see cref="StopInterrupts"/>.</summary>
    public void Stop(TimeSpan? timeout = null)
    {
        if (_stopping)
        {
            return;
        }

        StopInterrupts(timeout);
        _stopping = true;
        _controller?.Wake();
        foreach (var p in _processors)
        {
            p.Normal.Stop();
            p.Threaded.Stop();
        }

        var deadline = Environment.TickCount64 + (long)(timeout ?? TimeSpan.FromSeconds(2)).TotalMilliseconds;
        foreach (var t in _threads)
        {
            var left = (int)Math.Max(0, deadline - Environment.TickCount64);
            t.Join(left);
        }

        if (Guarantees.MemoryLocked)
        {
            ThreadControl.UnlockAllMemory();
        }
    }

    public void Dispose()
    {
        Stop();
        foreach (var p in _processors)
        {
            p.Dispose();
        }
    }

    internal void RecordIsr(Interrupt interrupt, long edgeToIsr, long duration)
    {
        _isrTimeNs += duration;
        if (interrupt.Irql >= Irql.Clock)
        {
            return; // the clock tick is kernel housekeeping: its figures stay on its own vector, out of the device stages
        }

        _isrRecorder.Record(LatencyStage.EdgeToIsr, edgeToIsr);
        _isrRecorder.Record(LatencyStage.IsrDuration, duration);
    }

    internal void ReportDpcException(Dpc dpc, int cpu, Exception ex)
    {
        if (_reportedExceptions.TryAdd(dpc, true))
        {
            _events.Enqueue(new KernelEvent(Clock.NowNs, "dpc-exception", cpu, dpc.Name, $"DPC routine {dpc.Name} threw {ex.GetType().Name}: {ex.Message} (further exceptions of this routine are counted, not reported)", ex));
        }

        if (Options.ExceptionPolicy == DpcExceptionPolicy.FailFast)
        {
            Fault(new KernelFault("KMODE_EXCEPTION_NOT_HANDLED", $"DPC routine {dpc.Name} on CPU {cpu} threw {ex.GetType().Name}: {ex.Message}", cpu, dpc.Name, 0, ex));
        }
    }

    internal void ReportWatchdog(WatchdogEvent e)
    {
        Interlocked.Increment(ref _watchdogEvents);
        _events.Enqueue(new KernelEvent(e.DetectedAtNs, "watchdog", e.Cpu, e.Routine, e.ToString()));
        if (Options.WatchdogPolicy == WatchdogPolicy.FailFast)
        {
            Fault(new KernelFault("DPC_WATCHDOG_VIOLATION", e.ToString(), e.Cpu, e.Routine, e.DurationNs));
        }
    }

    internal DpcProcessor GetProcessor(int cpu) =>
        HasProcessor(cpu) ? _byCpu[cpu]! : throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"CPU {cpu} has no DPC queue; the kernel's cores are {string.Join(", ", Processors)}.");

    private void Fault(KernelFault fault) => _fault.TrySetResult(fault);

    private Dpc Register(Dpc dpc)
    {
        using (_registryLock.EnterScope())
        {
            _dpcs.Add(dpc);
        }

        return dpc;
    }

    private Thread StartThread(string name, Action body)
    {
        var t = new Thread(() => body()) { IsBackground = true, Name = name };
        _threads.Add(t);
        t.Start();
        return t;
    }

    private void SetUpThread(string role, int cpu, int priority)
    {
        KernelThread.Cpu = cpu;
        var pinned = false;
        var realtime = false;
        if (Options.Pin)
        {
            var e = ThreadControl.PinCurrentThread(cpu);
            pinned = e == 0;
            if (!pinned)
            {
                Guarantees.AddNote($"pinning {role} to CPU {cpu} refused: {ThreadControl.Describe(e)}; it runs where the scheduler puts it");
            }
        }
        else
        {
            Guarantees.AddNote("pinning disabled by configuration");
        }

        if (Options.Realtime)
        {
            var e = ThreadControl.SetRealtime(priority);
            realtime = e == 0;
            if (!realtime)
            {
                Guarantees.AddNote($"SCHED_FIFO refused ({ThreadControl.Describe(e)}); threads run SCHED_OTHER, so latency is not bounded (needs CAP_SYS_NICE or RLIMIT_RTPRIO >= {Options.IsrPriority})");
            }
        }
        else
        {
            Guarantees.AddNote("real-time scheduling disabled by configuration");
        }

        _ = ThreadControl.SetTimerSlack(1);
        Guarantees.ReportThread(realtime, pinned);
    }

    private void WorkerLoop(DpcProcessor p, CountdownEvent ready, bool threaded)
    {
        SetUpThread(threaded ? $"threaded-DPC thread {p.Cpu}" : $"DPC worker {p.Cpu}", p.Cpu, threaded ? Options.ThreadedDpcPriority : Options.DpcPriority);
        KernelThread.Irql = threaded ? Irql.Passive : Irql.Dispatch;
        ready.Signal();
        var signal = threaded ? p.Threaded : p.Normal;
        var shared = ReferenceEquals(signal, _isrDrainLane); // the ISR thread drains this lane too: take turns
        signal.WorkerStarted();
        while (true)
        {
            signal.Wait();
            if (signal.IsStopping)
            {
                return;
            }

            if (threaded)
            {
                p.DrainThreaded();
            }
            else if (shared)
            {
                signal.OwnDrain();
                try
                {
                    p.DrainNormal();
                }
                finally
                {
                    signal.ReleaseDrain();
                }
            }
            else
            {
                p.DrainNormal();
            }
        }
    }

    private void IsrLoop(IInterruptController controller, CountdownEvent ready)
    {
        SetUpThread("ISR thread", IsrProcessor, Options.IsrPriority);
        KernelThread.IsIsrThread = true;
        ready.Signal();
        Span<int> vectors = stackalloc int[64];
        while (!_isrStopping)
        {
            _ = ServiceInterrupts(controller, vectors, -1);
            DrainOnIsrThread();
        }

        // One last non-blocking pass: what the devices had pending when the stop came is serviced, not dropped.
        while (ServiceInterrupts(controller, vectors, 0) > 0)
        {
            DrainOnIsrThread();
        }
    }

    /// <summary>
    /// With <see cref="KernelOptions.RunLocalDpcsOnIsrThread"/>: the ISR thread, its interrupts dispatched, runs the
    /// DPCs it queued on its own core at DISPATCH, as Windows does when the IRQL drops, with no worker wake-up.
    /// When that core's worker is draining already (the ISR thread pre-empted it), the worker is asked to go on.
    /// </summary>
    private void DrainOnIsrThread()
    {
        while (_isrDrainPending)
        {
            _isrDrainPending = false;
            var lane = _isrDrainLane!;
            if (!lane.TryOwnDrain())
            {
                lane.Request();
                return;
            }

            var irql = KernelThread.Irql;
            KernelThread.Irql = Irql.Dispatch;
            try
            {
                _byCpu[IsrProcessor]!.DrainNormal(mayBlock: false);
            }
            finally
            {
                KernelThread.Irql = irql;
                lane.ReleaseDrain();
            }
        }
    }

    private int ServiceInterrupts(IInterruptController controller, Span<int> vectors, int timeoutMs)
    {
        var n = controller.WaitForInterrupts(vectors, timeoutMs);
        for (var i = 0; i < n; i++)
        {
            var v = vectors[i];
            if ((uint)v < MaxVectors && Volatile.Read(ref _vectors[v]) is { Source: { } source } interrupt)
            {
                source.Service(interrupt);
            }
        }

        return n;
    }
}
