using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel;

/// <summary>
/// One core's DPC state (the PRCB's DPC data): a normal and a threaded <see cref="DpcLane"/>, each with its
/// <see cref="DpcDrain"/> and <see cref="IWaitStrategy"/>, the <see cref="DrainPolicy"/>, the hold and the
/// watchdog. Calls go one way: the kernel calls the processor, the processor its parts, which never call back.
/// Inserts never take <see cref="Lock"/>: they publish in a lane's lock-free ring. The lock guards the lanes'
/// ordered lists and is taken by the drain for each dequeue (a line no other core writes in steady state) and
/// by the rare list operations (remove, flush, hold, clock tick, statistics); it only ever covers O(1) work,
/// never a DPC routine.
/// </summary>
internal sealed class DpcProcessor : IDisposable
{
    public readonly Lock Lock = new();
    public readonly DpcLane Normal;
    public readonly DpcLane Threaded;
    public readonly LatencyRecorder Recorder;
    public readonly LatencyRecorder ThreadedRecorder;
    private readonly DpcDrain _normalDrain;
    private readonly DpcDrain _threadedDrain;
    private readonly IWaitStrategy _normalWait;
    private readonly IWaitStrategy _threadedWait;
    private readonly DrainPolicy _policy;
    private readonly ProcessorWatchdog _watchdog;
    private readonly HoldState _hold = new();
    private readonly KernelOptions _options;
    private readonly IKernelClock _clock;
    private readonly bool _isrThreadDrains; // a copy of the normal drain's flag, here where inserts read: not on the line the drainer writes

    /// <param name="drainsOnIsrThread">This is the ISR thread's core and the ISR thread runs the DPCs it queues here
    /// (<see cref="KernelOptions.RunLocalDpcsOnIsrThread"/>): the normal lane has two drainers, which take turns.</param>
    public DpcProcessor(int cpu, KernelOptions options, IKernelClock clock, long epochNs, KernelEventLog log, bool drainsOnIsrThread, FlightRecorder? flight = null)
    {
        Cpu = cpu;
        _options = options;
        _clock = clock;
        _isrThreadDrains = drainsOnIsrThread;
        Threaded = new DpcLane();
        Normal = new DpcLane();
        var spinNs = options.SpinDuration.Ticks * 100; // TimeSpan ticks are 100 ns
        // Threaded DPCs never busy-spin: they are the low-priority lane, and the normal worker sleeps
        // (whatever its strategy) while they have work, so a spinning FIFO worker cannot starve them.
        _threadedWait = WaitStrategy.Create(options.WaitStrategy == DpcWaitStrategy.BusySpin ? DpcWaitStrategy.SpinThenBlock : options.WaitStrategy, spinNs, yieldTo: null);
        _normalWait = WaitStrategy.Create(options.WaitStrategy, spinNs, yieldTo: Threaded);
        Recorder = new LatencyRecorder(epochNs, options.TimelineSeconds) { OutlierThresholdNs = options.OutlierThresholdNs };
        ThreadedRecorder = new LatencyRecorder(epochNs, 1) { OutlierThresholdNs = options.OutlierThresholdNs };
        _normalDrain = new DpcDrain(Normal, Lock, _hold, Recorder, clock, log, options, cpu, Irql.Dispatch, drainsOnIsrThread) { Flight = flight, FlightTrack = flight?.DpcTrack(cpu, threaded: false) };
        _threadedDrain = new DpcDrain(Threaded, Lock, _hold, ThreadedRecorder, clock, log, options, cpu, Irql.Passive) { Flight = flight, FlightTrack = flight?.DpcTrack(cpu, threaded: true) };
        _policy = new DrainPolicy(options, Normal, Threaded, _normalDrain);
        _watchdog = new ProcessorWatchdog(cpu, Lock, _normalDrain, options, log);
    }

    public int Cpu { get; }

    public bool IsHeld => _hold.IsHeld;

    /// <summary>A clock drives the kernel: remote Low and Medium inserts may wait for its tick (<see cref="DrainPolicy.TickDrainsLeftovers"/>).</summary>
    public bool TickDrainsLeftovers
    {
        get => _policy.TickDrainsLeftovers;
        set => _policy.TickDrainsLeftovers = value;
    }

    public DpcLane LaneOf(Dpc dpc) => dpc.IsThreaded ? Threaded : Normal;

    /// <summary>What one lane's drainer is doing now, for a flush that timed out (a diagnostic: read without the lock).</summary>
    public string DescribeDrain(bool threaded)
    {
        var drain = threaded ? _threadedDrain : _normalDrain;
        if (IsHeld)
        {
            return "the core is held";
        }

        if (drain.RoutineActive)
        {
            var name = drain.CurrentDpc is { } dpc ? $"DPC '{dpc.Name}'" : "a DPC";
            return $"its drainer has been running {name} for {(_clock.NowNs - drain.RoutineStartNs) / 1e6:0.0} ms";
        }

        if (threaded && _normalDrain.RoutineActive)
        {
            return "waiting for the normal lane: a threaded DPC runs only when no DPC runs at DISPATCH on its core";
        }

        return $"no DPC running: its worker has not taken them (kept off CPU {Cpu} by a higher-priority thread?)";
    }

    /// <summary>
    /// The insert itself, on this core's lanes. <paramref name="stamped"/>: the event time and cycle are given (an
    /// ISR or a timer expiry); otherwise the insert is its own event (now, and the lane's insert count as cycle).
    /// Takes no lock and never waits (lock-free: only the slot claim can retry, when two inserts race): claim
    /// the DPC (CAS on its queue state), fill it in, say where it is queued, publish it in a slot of the target
    /// lane's ring, and wake the worker if it sleeps and the Windows rules ask for the drain. The ISR thread
    /// therefore never blocks on a worker that holds its core's lock. <paramref name="local"/>: inserted on this core.
    /// </summary>
    public bool Insert(Dpc dpc, nint systemArgument1, nint systemArgument2, bool stamped, long eventNs, long cycle, Interrupt? source, bool local)
    {
        var lane = LaneOf(dpc);
        var pass = KernelThread.InterruptPass;
        if (Interlocked.CompareExchange(ref dpc.Queue.QueuedOn, Dpc.Inserting, null) is { } queuedOn)
        {
            Interlocked.Increment(ref dpc.Queue.CoalescedCount);
            // InsertPass is written before QueuedOn names the core, so it is current unless another thread is
            // inserting right now (Inserting) — and such an insert is not from this ISR pass.
            var pendingTogether = pass != 0 && !ReferenceEquals(queuedOn, Dpc.Inserting) && Volatile.Read(ref dpc.Queue.InsertPass) == pass;
            if (pendingTogether)
            {
                Interlocked.Increment(ref dpc.Queue.CoalescedPendingTogether);
            }

            lane.CountCoalesced(pendingTogether);
            return false;
        }

        dpc.Queue.InsertPass = pass;

        var now = _clock.NowNs;
        var importance = dpc.Importance;
        dpc.Queue.QueuedImportance = importance;
        var record = new InsertRecord
        {
            Source = source,
            Argument1 = systemArgument1,
            Argument2 = systemArgument2,
            EventTimestampNs = stamped ? eventNs : now,
            QueuedNs = now,
            Cycle = cycle, // unstamped: the lane's insert count, given by the slot claim
        };

        // The record travels in the ring slot: the worker reads the slot and the DPC's read-only fields, not
        // the queue lines this core just claimed. Where the DPC is queued is said before it is published, so
        // the worker never meets a half-inserted DPC; RemoveQueueDpc waits out the moment between the two.
        Volatile.Write(ref dpc.Queue.QueuedOn, this);
        lane.Push(dpc, importance == DpcImportance.High, ref record, countIsCycle: !stamped);
        if (_policy.ShouldRequestDrain(dpc.IsThreaded, importance, local))
        {
            if (_isrThreadDrains && ReferenceEquals(lane, Normal) && KernelThread.IsIsrThread)
            {
                _normalDrain.MarkIsrDrainPending(); // the ISR thread runs it itself when it has dispatched
            }
            else
            {
                lane.WakeIfSleeping();
            }
        }

        return true;
    }

    /// <summary>A worker thread's loop, once it is set up: wait for work, drain, until the lane stops.</summary>
    public void RunWorker(bool threaded)
    {
        var lane = threaded ? Threaded : Normal;
        var wait = threaded ? _threadedWait : _normalWait;
        lane.WorkerStarted();
        while (true)
        {
            wait.WaitForWork(lane);
            if (lane.IsStopping)
            {
                return;
            }

            if (threaded)
            {
                DrainThreaded();
            }
            else
            {
                _normalDrain.DrainAsWorker();
            }
        }
    }

    /// <summary>Manual kernels: runs the queued DPCs on the calling thread, as the workers would.</summary>
    public void RunDpcs()
    {
        Normal.ConsumeRequest();
        _normalDrain.Drain();
        Threaded.ConsumeRequest();
        DrainThreaded();
    }

    /// <summary>The ISR thread, its interrupts dispatched: runs what it queued here (see <see cref="DpcDrain.DrainOnIsrThread"/>).</summary>
    public void DrainOnIsrThread()
    {
        var ran = _normalDrain.DrainOnIsrThread();
        if (ran.Longest is not null)
        {
            _watchdog.CheckIsrDrain(in ran);
        }
    }

    /// <summary>Raises the core to DISPATCH from the outside: nothing more starts until the hold is released.</summary>
    public void Hold()
    {
        using (Lock.EnterScope())
        {
            _hold.EnterLocked();
        }

        // Wait for a routine already running to finish, so the queue is stable while held.
        var spin = new SpinWait();
        while (_normalDrain.RoutineActive || _threadedDrain.RoutineActive)
        {
            spin.SpinOnce();
        }
    }

    public void Release()
    {
        bool request;
        bool requestThreaded;
        using (Lock.EnterScope())
        {
            if (!_hold.ExitLocked())
            {
                return;
            }

            Normal.CollectLocked();
            Threaded.CollectLocked();
            request = Normal.List.Count > 0;
            requestThreaded = Threaded.List.Count > 0;
        }

        // A drain requested while held was consumed by the held worker; ask again.
        if (request)
        {
            Normal.Request();
        }

        if (requestThreaded)
        {
            Threaded.Request();
        }
    }

    /// <summary>
    /// The clock tick's work for this core, as KeUpdateRunTime: the drain policy's thresholds (and a drain of DPCs
    /// left queued), then the watchdog. Neither takes the core's list lock unless something is left queued or a
    /// limit may be crossed.
    /// </summary>
    public void OnClockTick(long nowNs)
    {
        if (_policy.OnClockTick() && !IsHeld)
        {
            Normal.Request();
        }

        _watchdog.Check(nowNs);
    }

    public void Stop()
    {
        Normal.Stop();
        Threaded.Stop();
    }

    /// <summary>
    /// The core's figures, read without its lock: the callers are observers at normal priority (live view, metrics,
    /// status lines). Holding the lock, such a thread could be pre-empted by the real-time threads that then need it
    /// to insert or drain — a priority inversion that stalled the ISR thread for milliseconds in a slow guest. Each
    /// figure is read on its own, so a snapshot taken during inserts may be a DPC or two apart between fields.
    /// </summary>
    public ProcessorStatistics GetStatistics()
    {
        var maxDrain = _threadedDrain.MaxExecutionNs > _normalDrain.MaxExecutionNs ? _threadedDrain : _normalDrain;
        var normalDepth = (int)Math.Max(0, Normal.Depth);
        var threadedDepth = (int)Math.Max(0, Threaded.Depth);
        return new ProcessorStatistics(
            Cpu,
            _normalDrain.Runs,
            _threadedDrain.Runs,
            _policy.DpcCount,
            Normal.Coalesced + Threaded.Coalesced,
            Normal.CoalescedPendingTogether + Threaded.CoalescedPendingTogether,
            _normalDrain.Exceptions + _threadedDrain.Exceptions,
            normalDepth,
            threadedDepth,
            Math.Max(Math.Max(Normal.HighWater, Threaded.HighWater), Math.Max(normalDepth, threadedDepth)), // what is queued now counts too: no collect ran
            _normalDrain.TimeInDpcNs + _threadedDrain.TimeInDpcNs,
            maxDrain.MaxExecutionNs,
            maxDrain.MaxExecutionDpc?.Name,
            _policy.MaximumDpcQueueDepth,
            _policy.DpcRequestRate,
            _policy.Ticks,
            _watchdog.PerDpcViolations,
            _watchdog.CumulativeViolations);
    }

    public void Dispose() => _hold.Dispose();

    /// <summary>Drains the threaded list, yielding to normal DPCs of this core between routines. Runs at PASSIVE.</summary>
    private void DrainThreaded()
    {
        while (true)
        {
            // Normal DPCs pre-empt threaded ones: do not start the next threaded routine while the
            // core has normal work (with SCHED_FIFO on one core the scheduler enforces this too).
            var spin = new SpinWait();
            while ((_normalDrain.RoutineActive || (Normal.Depth > 0 && (Normal.IsRequested || !Normal.IsSleeping) && !IsHeld)) && !Threaded.IsStopping && _options.StartThreads)
            {
                spin.SpinOnce();
            }

            if (!_threadedDrain.TryRunOne())
            {
                return;
            }
        }
    }
}
