using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel;

/// <summary>
/// The drain of one lane: takes its DPCs one at a time under the core's lock and runs them at the lane's IRQL,
/// recording their stages. Its mutable fields belong to the drainer, the one thread draining the lane now: its
/// worker, the caller of <see cref="DpcKernel.RunDpcs"/> on a manual kernel, or the ISR thread when it runs its
/// own core's DPCs (<see cref="KernelOptions.RunLocalDpcsOnIsrThread"/>; never two at once: <see cref="TryOwn"/>).
/// Only this class writes them; the tick's watchdog, the hold, the statistics and the threaded worker's yield read
/// them through the properties.
/// </summary>
internal sealed class DpcDrain
{
    private readonly DpcLane _lane;
    private readonly Lock _lock;
    private readonly HoldState _hold;
    private readonly LatencyRecorder _recorder;
    private readonly IKernelClock _clock;
    private readonly KernelEventLog _log;
    private readonly int _cpu;
    private readonly Irql _irql;
    private readonly long _dpcLimitNs;
    private readonly long _cumulativeLimitNs;
    private PaddedInt _owner; // 1 while a thread drains a lane it shares with the ISR thread (TryOwn, Own, Release)
    private bool _isrDrainPending; // the ISR thread only: a DPC it queued on its own core asked for the drain

    // The ISR thread's drain only: its longest routine and its span, for the watchdog after it (no tick can run
    // meanwhile: the clock interrupt is the ISR thread's too).
    private bool _onIsrThread;
    private Dpc? _isrLongest;
    private long _isrLongestStartNs;
    private long _isrLongestNs;
    private long _isrFirstStartNs;
    private long _isrLastEndNs;

    // The drainer's (single writer; plain stores where only the drainer reads, volatile where others read).
    private bool _routineActive;
    private Dpc? _currentDpc;
    private long _routineStartNs;
    private long _drainStartNs;
    private long _runs;
    private long _timeInDpcNs;
    private long _maxExecutionNs;
    private Dpc? _maxExecutionDpc;
    private long _exceptions;

    public DpcDrain(DpcLane lane, Lock coreLock, HoldState hold, LatencyRecorder recorder, IKernelClock clock, KernelEventLog log, KernelOptions options, int cpu, Irql irql, bool sharedWithIsrThread = false)
    {
        _dpcLimitNs = options.WatchdogDpcLimitNs;
        _cumulativeLimitNs = options.WatchdogCumulativeLimitNs;
        _lane = lane;
        _lock = coreLock;
        _hold = hold;
        _recorder = recorder;
        _clock = clock;
        _log = log;
        _cpu = cpu;
        _irql = irql;
        SharedWithIsrThread = sharedWithIsrThread;
    }

    /// <summary>The flight recorder and this lane's track in it, or null when off.</summary>
    public FlightRecorder? Flight { get; init; }

    public FlightTrack? FlightTrack { get; init; }

    /// <summary>The ISR thread drains this lane too (<see cref="KernelOptions.RunLocalDpcsOnIsrThread"/>): drainers take turns.</summary>
    public bool SharedWithIsrThread { get; }

    public bool RoutineActive => Volatile.Read(ref _routineActive);

    public Dpc? CurrentDpc => Volatile.Read(ref _currentDpc);

    public long RoutineStartNs => Volatile.Read(ref _routineStartNs);

    /// <summary>When the current continuous drain started (its first routine), 0 when none: the cumulative watchdog's clock.</summary>
    public long DrainStartNs => Volatile.Read(ref _drainStartNs);

    public long Runs => Volatile.Read(ref _runs);

    public long TimeInDpcNs => Volatile.Read(ref _timeInDpcNs);

    public long MaxExecutionNs => Volatile.Read(ref _maxExecutionNs);

    public Dpc? MaxExecutionDpc => Volatile.Read(ref _maxExecutionDpc);

    public long Exceptions => Volatile.Read(ref _exceptions);

    /// <summary>Whether this drains a normal lane (DISPATCH, watched by the watchdog), not a threaded one (PASSIVE).</summary>
    public bool IsNormal => _irql == Irql.Dispatch;

    /// <summary>
    /// KeQueryDpcWatchdogInformation for the routine this drain is running on the calling thread: the two
    /// watchdog limits and what is left of each, on the kernel clock (the drain's own thread reads its own fields).
    /// </summary>
    public DpcWatchdogInformation QueryWatchdog()
    {
        var now = _clock.NowNs;
        var drainStart = _drainStartNs != 0 ? _drainStartNs : _routineStartNs;
        return new DpcWatchdogInformation(
            _dpcLimitNs,
            Math.Max(0, _dpcLimitNs - (now - _routineStartNs)),
            _cumulativeLimitNs,
            Math.Max(0, _cumulativeLimitNs - (now - drainStart)));
    }

    /// <summary>The normal worker's drain: on a lane shared with the ISR thread, it first waits out that drainer.</summary>
    public void DrainAsWorker()
    {
        if (!SharedWithIsrThread)
        {
            Drain();
            return;
        }

        Own();
        try
        {
            Drain();
        }
        finally
        {
            Release();
        }
    }

    /// <summary>
    /// Drains the normal lane until it is empty (or the core is held). Runs at DISPATCH on the core's worker, which
    /// waits out a hold; or on the ISR thread (<paramref name="mayBlock"/> false), which never waits: a hold leaves
    /// the rest to the worker, which the hold's release wakes.
    /// </summary>
    public void Drain(bool mayBlock = true)
    {
        try
        {
            while (true)
            {
                Dequeued next;
                bool held;
                using (_lock.EnterScope())
                {
                    held = _hold.IsHeldLocked;
                    if (held)
                    {
                        _routineActive = false;
                        if (!mayBlock)
                        {
                            return;
                        }

                        next = default;
                    }
                    else if (!TakeLocked(out next))
                    {
                        _routineActive = false;
                        _currentDpc = null;
                        return;
                    }
                    else
                    {
                        _routineActive = true;
                        _currentDpc = next.Dpc;
                        Volatile.Write(ref _routineStartNs, next.StartNs);
                        if (_drainStartNs == 0)
                        {
                            // The drain starts with its first routine (one clock read fewer on the hot path).
                            Volatile.Write(ref _drainStartNs, next.StartNs);
                        }
                    }
                }

                if (held)
                {
                    // A held core is not draining: the cumulative watchdog's clock restarts after the release.
                    Volatile.Write(ref _drainStartNs, 0);
                    _hold.WaitReleased();
                    continue;
                }

                Run(in next);
                Volatile.Write(ref _routineActive, false);
            }
        }
        finally
        {
            Volatile.Write(ref _drainStartNs, 0);
        }
    }

    /// <summary>The threaded drain's step: runs the next DPC unless the lane is empty or the core held (false).</summary>
    public bool TryRunOne()
    {
        Dequeued next;
        using (_lock.EnterScope())
        {
            if (_hold.IsHeldLocked || !TakeLocked(out next))
            {
                _routineActive = false;
                return false;
            }

            _routineActive = true;
        }

        Run(in next);
        return true;
    }

    /// <summary>The ISR thread, inserting on its own core: the drain is asked for, to run once its interrupts are dispatched.</summary>
    public void MarkIsrDrainPending() => _isrDrainPending = true;

    /// <summary>
    /// With <see cref="KernelOptions.RunLocalDpcsOnIsrThread"/>: the ISR thread, its interrupts dispatched, runs the
    /// DPCs it queued on its own core at DISPATCH, as Windows does when the IRQL drops, with no worker wake-up.
    /// When that core's worker is draining already (the ISR thread pre-empted it), the worker is asked to go on.
    /// </summary>
    public IsrDrainSummary DrainOnIsrThread()
    {
        if (!_isrDrainPending)
        {
            return default; // most passes queued nothing on this core: no bookkeeping for them
        }

        _isrLongest = null;
        _isrLongestNs = 0;
        _isrFirstStartNs = 0;
        while (_isrDrainPending)
        {
            _isrDrainPending = false;
            if (!TryOwn())
            {
                _lane.Request();
                break;
            }

            var irql = KernelThread.Irql;
            KernelThread.Irql = Irql.Dispatch;
            _onIsrThread = true;
            try
            {
                Drain(mayBlock: false);
            }
            finally
            {
                _onIsrThread = false;
                KernelThread.Irql = irql;
                Release();
            }
        }

        return new IsrDrainSummary(_isrLongest, _isrLongestStartNs, _isrLongestNs, _isrFirstStartNs, _isrLastEndNs);
    }

    /// <summary>Becomes this lane's only drainer; false when another thread drains it now. Never waits.</summary>
    private bool TryOwn() => Volatile.Read(ref _owner.Value) == 0 && Interlocked.CompareExchange(ref _owner.Value, 1, 0) == 0;

    /// <summary>The worker's way in: waits out the other drainer (the ISR thread, which never holds it for long and never blocks).</summary>
    private void Own()
    {
        var spin = new SpinWait();
        while (!TryOwn())
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Release() => Volatile.Write(ref _owner.Value, 0);

    /// <summary>
    /// Under the lock: takes the next DPC — straight from its ring slot when the list is empty, else the head of
    /// the list after collecting the ring if needed — with a copy of its insert's record, so a reinsert during
    /// the routine cannot change what this run sees. The DPC stays marked queued until <see cref="Run"/>. False when empty.
    /// </summary>
    private bool TakeLocked(out Dequeued taken)
    {
        var fromSlot = _lane.TryTakeSlotLocked(out var dpc, out var record);
        if (!fromSlot)
        {
            _lane.CollectForDequeueLocked();
            var first = _lane.RemoveFirstLocked();
            if (first is null)
            {
                taken = default;
                return false;
            }

            dpc = first;
            record = dpc.Queue.Record;
        }

        taken = new Dequeued(dpc, record, _clock.NowNs, fromSlot);
        return true;
    }

    private void Run(in Dequeued taken)
    {
        var dpc = taken.Dpc;
        var start = taken.StartNs;

        // Dequeued: from now on an insert queues it again. Done here, after the lock is released, because
        // this store goes to a line the inserting core owns: it waits in the store buffer while the routine
        // starts, where under the lock the lock's release would first wait for that line to arrive.
        // RemoveQueueDpc meanwhile sees a DPC queued and in no list, and waits for this store.
        Volatile.Write(ref dpc.Queue.QueuedOn, null);
        var eventNs = taken.Record.EventTimestampNs;
        // The routine starts first; the bookkeeping of its start (three histograms, one of them
        // interlocked) happens after it, so it never delays the DPC it measures.
        var clock = _clock;
        var internalDpc = dpc.IsInternal;
        var previous = KernelThread.Irql;
        var outerDrain = KernelThread.CurrentDrain; // a manual drain run from inside a routine (tests) nests
        KernelThread.Irql = _irql;
        KernelThread.CurrentDrain = this;
        try
        {
            dpc.Routine(dpc, dpc.DeferredContext, taken.Record.Argument1, taken.Record.Argument2);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref dpc.ExceptionCount);
            Interlocked.CompareExchange(ref dpc.FirstException, ex, null);
            Interlocked.Increment(ref _exceptions);
            _log.ReportDpcException(dpc, _cpu, ex);
        }
        finally
        {
            KernelThread.Irql = previous;
            KernelThread.CurrentDrain = outerDrain;
        }

        var end = clock.NowNs;
        if (_onIsrThread)
        {
            NoteIsrRun(dpc, start, end);
        }

        if (taken.FromSlot)
        {
            _lane.NoteRingDepth(taken.Record.QueuedNs, start);
        }

        if (Flight is { } flight)
        {
            // A worker's first run after a futex sleep paid the wake-up; the ISR thread never sleeps on a lane.
            var woke = !_onIsrThread && _lane.WokeFromSleep;
            if (woke)
            {
                _lane.WokeFromSleep = false;
            }

            flight.RecordDpc(FlightTrack!, dpc, taken.Record, start, end, _onIsrThread, woke);
        }

        if (internalDpc)
        {
            return;
        }

        var recorder = _recorder;
        recorder.Record(LatencyStage.QueueWait, start - taken.Record.QueuedNs);
        recorder.RecordEdgeToDpcStart(eventNs, start, taken.Record.Cycle);
        taken.Record.Source?.EdgeToDpcStart.RecordConcurrent(start - eventNs);
        var duration = end - start;
        recorder.Record(LatencyStage.DpcDuration, duration);
        dpc.ExecutionTime.RecordConcurrent(duration); // also the DPC's run count, total and maximum
        CountRun(dpc, duration);
    }

    private void NoteIsrRun(Dpc dpc, long start, long end)
    {
        if (_isrFirstStartNs == 0)
        {
            _isrFirstStartNs = start;
        }

        _isrLastEndNs = end;
        if (end - start > _isrLongestNs)
        {
            _isrLongestNs = end - start;
            _isrLongest = dpc;
            _isrLongestStartNs = start;
        }
    }

    /// <summary>Records one finished run (single writer: volatile stores for the readers, no interlocked).</summary>
    private void CountRun(Dpc dpc, long durationNs)
    {
        Volatile.Write(ref _runs, _runs + 1);
        Volatile.Write(ref _timeInDpcNs, _timeInDpcNs + durationNs);
        if (durationNs > _maxExecutionNs)
        {
            Volatile.Write(ref _maxExecutionDpc, dpc);
            Volatile.Write(ref _maxExecutionNs, durationNs);
        }
    }

    /// <summary>One dequeued run: the DPC, a copy of its insert's record and its start (a stack value, never allocated).</summary>
    private readonly record struct Dequeued(Dpc Dpc, InsertRecord Record, long StartNs, bool FromSlot);
}

/// <summary>What one drain on the ISR thread ran: its longest routine (null when none ran) and its span, for the watchdog.</summary>
internal readonly record struct IsrDrainSummary(Dpc? Longest, long LongestStartNs, long LongestNs, long FirstStartNs, long LastEndNs);
