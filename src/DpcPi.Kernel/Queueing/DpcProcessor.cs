using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel;

/// <summary>
/// One core's DPC state (the PRCB's DPC data): a normal and a threaded <see cref="DpcLane"/>, the drain
/// thresholds, the hold state and the counters. Inserts never take <see cref="Lock"/>: they publish in a
/// lane's lock-free ring. The lock guards the lanes' ordered lists and is taken by the worker for each
/// dequeue (a line no other core writes in steady state) and by the rare list operations (remove,
/// flush, hold, clock tick, statistics); it only ever covers O(1) work, never a DPC routine.
/// </summary>
internal sealed class DpcProcessor : IDisposable
{
    public readonly Lock Lock = new();
    public readonly DpcLane Normal;
    public readonly DpcLane Threaded;
    public readonly LatencyRecorder Recorder;
    public readonly LatencyRecorder ThreadedRecorder;

    // Thresholds (Windows: MaximumDpcQueueDepth, MinimumDpcRate, DpcRequestRate, AdjustDpcThreshold).
    // Written by the clock tick under its own lock, read by inserts and statistics without it.
    public int MaximumDpcQueueDepth;
    public long DpcRequestRate;
    private long _lastDpcCount;
    private int _adjustCountdown;

    // Drain state of the normal worker lives in its lane (with the worker's other per-run writes),
    // so the lines inserting threads read here stay read-mostly.
    private Dpc? _watchdogFlaggedDpc;
    private long _watchdogFlaggedStart;
    private long _cumulativeFlaggedDrain;
    private int _holdCount;
    private readonly ManualResetEventSlim _holdReleased = new(true, spinCount: 0);
    private readonly Lock _tickLock = new(); // the tick state (a tick may come from any thread calling ClockTick)

    // Counters.
    public long Exceptions;
    public long Ticks;
    public long WatchdogPerDpc;
    public long WatchdogCumulative;

    private readonly DpcKernel _kernel;

    public DpcProcessor(DpcKernel kernel, int cpu, int index)
    {
        _kernel = kernel;
        Cpu = cpu;
        Index = index;
        var o = kernel.Options;
        MaximumDpcQueueDepth = o.MaximumDpcQueueDepth;
        _adjustCountdown = o.AdjustDpcThreshold;
        var spinNs = o.SpinDuration.Ticks * 100; // TimeSpan ticks are 100 ns
        // Threaded DPCs never busy-spin: they are the low-priority lane, and the normal worker sleeps
        // (whatever its strategy) while they have work, so a spinning FIFO worker cannot starve them.
        Threaded = new DpcLane(o.WaitStrategy == DpcWaitStrategy.BusySpin ? DpcWaitStrategy.SpinThenBlock : o.WaitStrategy, spinNs);
        Normal = new DpcLane(o.WaitStrategy, spinNs, yieldTo: Threaded);
        var epoch = kernel.EpochNs;
        Recorder = new LatencyRecorder(epoch, o.TimelineSeconds) { OutlierThresholdNs = o.OutlierThresholdNs };
        ThreadedRecorder = new LatencyRecorder(epoch, 1) { OutlierThresholdNs = o.OutlierThresholdNs };
    }

    public int Cpu { get; }

    public int Index { get; }

    public bool IsHeld => Volatile.Read(ref _holdCount) > 0;

    /// <summary>Inserts accepted on both lanes (Windows' DpcCount).</summary>
    public long DpcCount => Normal.Inserted + Threaded.Inserted;

    public DpcLane LaneOf(Dpc dpc) => dpc.IsThreaded ? Threaded : Normal;

    /// <summary>
    /// After an insert: whether the Windows rules ask for the drain, i.e. whether a sleeping worker is
    /// woken (a spinning one polls anyway). Threaded, High and MediumHigh always; Medium on the inserting
    /// core; otherwise only once the queue is deep enough or the request rate too low. Lock-free: the
    /// depth is inserted minus taken.
    /// </summary>
    public bool ShouldRequestDrain(bool threaded, DpcImportance importance, bool local)
    {
        if (threaded)
        {
            return true;
        }

        return importance switch
        {
            DpcImportance.High or DpcImportance.MediumHigh => true,
            DpcImportance.Medium when local => true,
            _ => Normal.Depth >= Volatile.Read(ref MaximumDpcQueueDepth) || Volatile.Read(ref DpcRequestRate) < _kernel.Options.MinimumDpcRate,
        };
    }

    /// <summary>The "DPC interrupt": asks the right worker to drain.</summary>
    public void RequestDrain(bool threaded) => (threaded ? Threaded : Normal).Request();

    /// <summary>
    /// Drains the normal lane until it is empty (or the core is held). Runs at DISPATCH on the core's worker, which
    /// waits out a hold; or on the ISR thread (<paramref name="mayBlock"/> false), which never waits: a hold leaves
    /// the rest to the worker, which the hold's release wakes.
    /// </summary>
    public void DrainNormal(bool mayBlock = true)
    {
        var clock = _kernel.Clock;
        try
        {
            while (true)
            {
                Dequeued next;
                using (Lock.EnterScope())
                {
                    if (_holdCount > 0)
                    {
                        Normal.RoutineActive = false;
                        if (!mayBlock)
                        {
                            return;
                        }

                        goto Held;
                    }

                    if (!TakeLocked(Normal, clock, out next))
                    {
                        Normal.RoutineActive = false;
                        Normal.CurrentDpc = null;
                        return;
                    }

                    Normal.RoutineActive = true;
                    Normal.CurrentDpc = next.Dpc;
                    Volatile.Write(ref Normal.RoutineStartNs, next.StartNs);
                    if (Normal.DrainStartNs == 0)
                    {
                        // The drain starts with its first routine (one clock read fewer on the hot path).
                        Volatile.Write(ref Normal.DrainStartNs, next.StartNs);
                    }
                }

                Run(in next, Normal, Recorder, Irql.Dispatch);
                Volatile.Write(ref Normal.RoutineActive, false);
                continue;

            Held:
                Volatile.Write(ref Normal.DrainStartNs, 0);
                _holdReleased.Wait();
            }
        }
        finally
        {
            Volatile.Write(ref Normal.DrainStartNs, 0);
        }
    }

    /// <summary>Drains the threaded list, yielding to normal DPCs of this core between routines. Runs at PASSIVE.</summary>
    public void DrainThreaded()
    {
        var clock = _kernel.Clock;
        while (true)
        {
            // Normal DPCs pre-empt threaded ones: do not start the next threaded routine while the
            // core has normal work (with SCHED_FIFO on one core the scheduler enforces this too).
            var spin = new SpinWait();
            while ((Volatile.Read(ref Normal.RoutineActive) || (Normal.Depth > 0 && (Normal.IsRequested || !Normal.IsSleeping) && !IsHeld)) && !Threaded.IsStopping && _kernel.Options.StartThreads)
            {
                spin.SpinOnce();
            }

            Dequeued next;
            using (Lock.EnterScope())
            {
                if (_holdCount > 0 || !TakeLocked(Threaded, clock, out next))
                {
                    Threaded.RoutineActive = false;
                    return;
                }

                Threaded.RoutineActive = true;
            }

            Run(in next, Threaded, ThreadedRecorder, Irql.Passive);
        }
    }

    /// <summary>Raises the core to DISPATCH from the outside: nothing more starts until the hold is released.</summary>
    public void Hold()
    {
        using (Lock.EnterScope())
        {
            if (_holdCount++ == 0)
            {
                _holdReleased.Reset();
            }
        }

        // Wait for a routine already running to finish, so the queue is stable while held.
        var spin = new SpinWait();
        while (Volatile.Read(ref Normal.RoutineActive) || Volatile.Read(ref Threaded.RoutineActive))
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
            if (--_holdCount > 0)
            {
                return;
            }

            _holdReleased.Set();
            Normal.CollectLocked();
            Threaded.CollectLocked();
            request = Normal.List.Count > 0;
            requestThreaded = Threaded.List.Count > 0;
        }

        // A drain requested while held was consumed by the held worker; ask again.
        if (request)
        {
            RequestDrain(false);
        }

        if (requestThreaded)
        {
            RequestDrain(true);
        }
    }

    /// <summary>
    /// The clock tick's work for this core, as KeUpdateRunTime: request a drain of DPCs left queued,
    /// adapt the maximum depth towards the ideal request rate, update the request rate, check the watchdog.
    /// It takes neither the core's list lock nor a line the worker needs exclusive unless something is left
    /// queued or a limit may be crossed: a tick every millisecond must not make the worker's next dequeue
    /// wait for its own lock (on the tick's core) or refetch its lines. The tick state has its own lock.
    /// </summary>
    public void OnClockTick(long nowNs)
    {
        var o = _kernel.Options;
        bool request = false;
        using (_tickLock.EnterScope())
        {
            Volatile.Write(ref Ticks, Ticks + 1);

            // Left queued: DPCs in the ring, list or overflow while no routine runs and no drain is pending
            // (a worker that takes one meanwhile turns the request into a spurious, harmless one).
            if (Normal.Depth > 0 && !Volatile.Read(ref Normal.RoutineActive) && !Normal.IsRequested)
            {
                _adjustCountdown = o.AdjustDpcThreshold;
                request = true;
                if (DpcRequestRate < o.IdealDpcRate && MaximumDpcQueueDepth > 1)
                {
                    Volatile.Write(ref MaximumDpcQueueDepth, MaximumDpcQueueDepth - 1);
                }
            }
            else if (--_adjustCountdown <= 0)
            {
                _adjustCountdown = o.AdjustDpcThreshold;
                if (MaximumDpcQueueDepth < o.MaximumDpcQueueDepth)
                {
                    Volatile.Write(ref MaximumDpcQueueDepth, MaximumDpcQueueDepth + 1);
                }
            }

            var count = DpcCount;
            Volatile.Write(ref DpcRequestRate, (count - _lastDpcCount + DpcRequestRate) / 2);
            _lastDpcCount = count;
        }

        if (request && !IsHeld)
        {
            RequestDrain(false);
        }

        CheckWatchdog(nowNs);
    }

    /// <summary>
    /// Detects, while the routine is still running, a DPC over its limit or a core too long in DPCs.
    /// Each run (per-DPC) and each continuous drain (cumulative) is reported once, at the first tick
    /// past its limit. The running routine and its start are read under the queue lock, so they
    /// always belong to the same run (a routine that just finished is never paired with the start of
    /// the next one), and concurrent ticks cannot report one violation twice.
    /// </summary>
    public void CheckWatchdog(long nowNs)
    {
        var o = _kernel.Options;

        // Without the lock first: in the steady state no routine is over its limit and no drain over the
        // cumulative one, and the tick leaves the worker's lock alone. A possible violation (a torn read can
        // only make one look possible) is confirmed under the lock.
        var maybeSingle = Volatile.Read(ref Normal.RoutineActive) && nowNs - Volatile.Read(ref Normal.RoutineStartNs) > o.WatchdogDpcLimitNs;
        var drainStarted = Volatile.Read(ref Normal.DrainStartNs);
        var maybeCumulative = drainStarted != 0 && nowNs - drainStarted > o.WatchdogCumulativeLimitNs;
        if (!maybeSingle && !maybeCumulative)
        {
            return;
        }

        WatchdogEvent? single = null;
        WatchdogEvent? cumulative = null;
        using (Lock.EnterScope())
        {
            var dpc = Normal.RoutineActive ? Normal.CurrentDpc : null;
            var start = Normal.RoutineStartNs;
            if (dpc is not null)
            {
                var running = nowNs - start;
                if (running > o.WatchdogDpcLimitNs && !(ReferenceEquals(dpc, _watchdogFlaggedDpc) && start == _watchdogFlaggedStart))
                {
                    _watchdogFlaggedDpc = dpc;
                    _watchdogFlaggedStart = start;
                    WatchdogPerDpc++;
                    single = new WatchdogEvent(WatchdogKind.SingleDpc, Cpu, dpc.Name, running, o.WatchdogDpcLimitNs, nowNs);
                }
            }

            var drainStart = Volatile.Read(ref Normal.DrainStartNs);
            if (drainStart != 0 && nowNs - drainStart > o.WatchdogCumulativeLimitNs && drainStart != _cumulativeFlaggedDrain)
            {
                _cumulativeFlaggedDrain = drainStart;
                WatchdogCumulative++;
                cumulative = new WatchdogEvent(WatchdogKind.Cumulative, Cpu, dpc?.Name, nowNs - drainStart, o.WatchdogCumulativeLimitNs, nowNs);
            }
        }

        if (single is not null)
        {
            _kernel.ReportWatchdog(single);
        }

        if (cumulative is not null)
        {
            _kernel.ReportWatchdog(cumulative);
        }
    }

    public ProcessorStatistics GetStatistics()
    {
        using (Lock.EnterScope())
        {
            Normal.CollectLocked();
            Threaded.CollectLocked();
            var maxLane = Volatile.Read(ref Threaded.MaxExecutionNs) > Volatile.Read(ref Normal.MaxExecutionNs) ? Threaded : Normal;
            return new ProcessorStatistics(
                Cpu,
                Volatile.Read(ref Normal.Runs),
                Volatile.Read(ref Threaded.Runs),
                DpcCount,
                Normal.Coalesced + Threaded.Coalesced,
                Volatile.Read(ref Exceptions),
                Normal.List.Count,
                Threaded.List.Count,
                Math.Max(Normal.HighWater, Threaded.HighWater),
                Volatile.Read(ref Normal.TimeInDpcNs) + Volatile.Read(ref Threaded.TimeInDpcNs),
                Volatile.Read(ref maxLane.MaxExecutionNs),
                Volatile.Read(ref maxLane.MaxExecutionDpc)?.Name,
                Volatile.Read(ref MaximumDpcQueueDepth),
                Volatile.Read(ref DpcRequestRate),
                Volatile.Read(ref Ticks),
                Volatile.Read(ref WatchdogPerDpc),
                Volatile.Read(ref WatchdogCumulative));
        }
    }

    public void Dispose()
    {
        _holdReleased.Dispose();
    }

    /// <summary>
    /// Under the lock: takes the next DPC — straight from its ring slot when the list is empty, else the head of
    /// the list after collecting the ring if needed — with a copy of its insert's record, so a reinsert during
    /// the routine cannot change what this run sees. The DPC stays marked queued until <see cref="Run"/>. False when empty.
    /// </summary>
    private static bool TakeLocked(DpcLane lane, IKernelClock clock, out Dequeued taken)
    {
        var fromSlot = lane.TryTakeSlotLocked(out var dpc, out var record);
        if (!fromSlot)
        {
            lane.CollectForDequeueLocked();
            var first = lane.RemoveFirstLocked();
            if (first is null)
            {
                taken = default;
                return false;
            }

            dpc = first;
            record = dpc.Queue.Record;
        }

        taken = new Dequeued(dpc, record, clock.NowNs, fromSlot);
        return true;
    }

    private void Run(in Dequeued taken, DpcLane lane, LatencyRecorder recorder, Irql irql)
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
        var clock = _kernel.Clock;
        var internalDpc = dpc.IsInternal;
        var previous = KernelThread.Irql;
        KernelThread.Irql = irql;
        try
        {
            dpc.Routine(dpc, dpc.DeferredContext, taken.Record.Argument1, taken.Record.Argument2);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref dpc.ExceptionCount);
            Interlocked.CompareExchange(ref dpc.FirstException, ex, null);
            Interlocked.Increment(ref Exceptions);
            _kernel.ReportDpcException(dpc, Cpu, ex);
        }
        finally
        {
            KernelThread.Irql = previous;
        }

        var end = clock.NowNs;
        if (taken.FromSlot)
        {
            lane.NoteRingDepth(taken.Record.QueuedNs, start);
        }

        if (internalDpc)
        {
            return;
        }

        recorder.Record(LatencyStage.QueueWait, start - taken.Record.QueuedNs);
        recorder.RecordEdgeToDpcStart(eventNs, start, taken.Record.Cycle);
        taken.Record.Source?.EdgeToDpcStart.RecordConcurrent(start - eventNs);
        var duration = end - start;
        recorder.Record(LatencyStage.DpcDuration, duration);
        dpc.ExecutionTime.RecordConcurrent(duration); // also the DPC's run count, total and maximum
        lane.CountRun(dpc, duration);
    }

    /// <summary>One dequeued run: the DPC, a copy of its insert's record and its start (a stack value, never allocated).</summary>
    private readonly record struct Dequeued(Dpc Dpc, InsertRecord Record, long StartNs, bool FromSlot);
}
