using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel;

/// <summary>
/// One core's DPC state (the PRCB's DPC data): a normal and a threaded list under one short lock,
/// the drain thresholds, the worker signals and the counters. The lock guards only O(1) list
/// operations; no DPC routine ever runs while it is held.
/// </summary>
internal sealed class DpcProcessor : IDisposable
{
    public readonly Lock Lock = new();
    public DpcList Normal;
    public DpcList Threaded;
    public readonly WorkerSignal Signal;
    public readonly WorkerSignal ThreadedSignal;
    public readonly LatencyRecorder Recorder;
    public readonly LatencyRecorder ThreadedRecorder;

    // Thresholds (Windows: MaximumDpcQueueDepth, MinimumDpcRate, DpcRequestRate, AdjustDpcThreshold).
    public int MaximumDpcQueueDepth;
    public long DpcRequestRate;
    public long DpcCount;
    private long _lastDpcCount;
    private int _adjustCountdown;

    // Drain state.
    public bool RoutineActive;
    public bool ThreadedRoutineActive;
    public Dpc? CurrentDpc;
    public long RoutineStartNs;
    public long DrainStartNs;
    private Dpc? _watchdogFlaggedDpc;
    private long _watchdogFlaggedStart;
    private long _cumulativeFlaggedDrain;
    private int _holdCount;
    private readonly ManualResetEventSlim _holdReleased = new(true, spinCount: 0);

    // Counters.
    public long DpcsRun;
    public long ThreadedDpcsRun;
    public long Coalesced;
    public long Exceptions;
    public long TimeInDpcNs;
    public long MaxExecutionNs;
    public Dpc? MaxExecutionDpc;
    public int HighWater;
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
        Signal = new WorkerSignal(o.WaitStrategy, spinNs);
        // Threaded DPCs never busy-spin: they are the low-priority lane.
        ThreadedSignal = new WorkerSignal(o.WaitStrategy == DpcWaitStrategy.BusySpin ? DpcWaitStrategy.SpinThenBlock : o.WaitStrategy, spinNs);
        var epoch = kernel.EpochNs;
        Recorder = new LatencyRecorder(epoch, o.TimelineSeconds) { OutlierThresholdNs = o.OutlierThresholdNs };
        ThreadedRecorder = new LatencyRecorder(epoch, 1) { OutlierThresholdNs = o.OutlierThresholdNs };
    }

    public int Cpu { get; }

    public int Index { get; }

    public bool IsHeld => Volatile.Read(ref _holdCount) > 0;

    /// <summary>Links <paramref name="dpc"/> (already claimed for this processor) and decides whether to wake the worker.</summary>
    public bool LinkLocked(Dpc dpc, bool local)
    {
        ref var list = ref dpc.IsThreaded ? ref Threaded : ref Normal;
        if (dpc.Importance == DpcImportance.High)
        {
            list.AddFirst(dpc);
        }
        else
        {
            list.AddLast(dpc);
        }

        DpcCount++;
        var depth = list.Count;
        if (depth > HighWater)
        {
            HighWater = depth;
        }

        if (dpc.IsThreaded)
        {
            return true;
        }

        return dpc.Importance switch
        {
            DpcImportance.High or DpcImportance.MediumHigh => true,
            DpcImportance.Medium when local => true,
            _ => depth >= MaximumDpcQueueDepth || DpcRequestRate < _kernel.Options.MinimumDpcRate,
        };
    }

    /// <summary>The "DPC interrupt": asks the right worker to drain.</summary>
    public void RequestDrain(bool threaded)
    {
        if (threaded)
        {
            ThreadedSignal.Request();
        }
        else
        {
            Signal.Request();
        }
    }

    /// <summary>Drains the normal list until it is empty (or the core is held). Runs on the core's worker at DISPATCH.</summary>
    public void DrainNormal()
    {
        var clock = _kernel.Clock;
        Volatile.Write(ref DrainStartNs, clock.NowNs);
        try
        {
            while (true)
            {
                Dequeued next;
                using (Lock.EnterScope())
                {
                    if (_holdCount > 0)
                    {
                        RoutineActive = false;
                        goto Held;
                    }

                    if (!TakeLocked(ref Normal, clock, out next))
                    {
                        RoutineActive = false;
                        CurrentDpc = null;
                        return;
                    }

                    RoutineActive = true;
                    CurrentDpc = next.Dpc;
                    Volatile.Write(ref RoutineStartNs, next.StartNs);
                }

                Run(in next, Recorder, Irql.Dispatch);
                Volatile.Write(ref RoutineActive, false);
                continue;

            Held:
                Volatile.Write(ref DrainStartNs, 0);
                _holdReleased.Wait();
                Volatile.Write(ref DrainStartNs, clock.NowNs);
            }
        }
        finally
        {
            Volatile.Write(ref DrainStartNs, 0);
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
            while ((Volatile.Read(ref RoutineActive) || (Normal.Count > 0 && Signal.IsRequested && !IsHeld)) && !ThreadedSignal.IsStopping && _kernel.Options.StartThreads)
            {
                spin.SpinOnce();
            }

            Dequeued next;
            using (Lock.EnterScope())
            {
                if (_holdCount > 0 || !TakeLocked(ref Threaded, clock, out next))
                {
                    ThreadedRoutineActive = false;
                    return;
                }

                ThreadedRoutineActive = true;
            }

            Run(in next, ThreadedRecorder, Irql.Passive);
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
        while (Volatile.Read(ref RoutineActive) || Volatile.Read(ref ThreadedRoutineActive))
        {
            spin.SpinOnce();
        }
    }

    public void Release()
    {
        bool request;
        using (Lock.EnterScope())
        {
            if (--_holdCount > 0)
            {
                return;
            }

            _holdReleased.Set();
            request = Normal.Count > 0;
        }

        // A drain requested while held was consumed by the held worker; ask again.
        if (request)
        {
            RequestDrain(false);
        }

        if (Threaded.Count > 0)
        {
            RequestDrain(true);
        }
    }

    /// <summary>
    /// The clock tick's work for this core, as KeUpdateRunTime: request a drain of DPCs left queued,
    /// adapt the maximum depth towards the ideal request rate, update the request rate, check the watchdog.
    /// </summary>
    public void OnClockTick(long nowNs)
    {
        var o = _kernel.Options;
        bool request = false;
        using (Lock.EnterScope())
        {
            Ticks++;
            if (Normal.Count > 0 && !RoutineActive && !Signal.IsRequested)
            {
                _adjustCountdown = o.AdjustDpcThreshold;
                request = true;
                if (DpcRequestRate < o.IdealDpcRate && MaximumDpcQueueDepth > 1)
                {
                    MaximumDpcQueueDepth--;
                }
            }
            else if (--_adjustCountdown <= 0)
            {
                _adjustCountdown = o.AdjustDpcThreshold;
                if (MaximumDpcQueueDepth < o.MaximumDpcQueueDepth)
                {
                    MaximumDpcQueueDepth++;
                }
            }

            DpcRequestRate = (DpcCount - _lastDpcCount + DpcRequestRate) / 2;
            _lastDpcCount = DpcCount;
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
        WatchdogEvent? single = null;
        WatchdogEvent? cumulative = null;
        using (Lock.EnterScope())
        {
            var dpc = RoutineActive ? CurrentDpc : null;
            var start = RoutineStartNs;
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

            var drainStart = Volatile.Read(ref DrainStartNs);
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
            return new ProcessorStatistics(
                Cpu,
                DpcsRun,
                ThreadedDpcsRun,
                DpcCount,
                Coalesced,
                Exceptions,
                Normal.Count,
                Threaded.Count,
                HighWater,
                TimeInDpcNs,
                MaxExecutionNs,
                MaxExecutionDpc?.Name,
                MaximumDpcQueueDepth,
                DpcRequestRate,
                Ticks,
                Volatile.Read(ref WatchdogPerDpc),
                Volatile.Read(ref WatchdogCumulative));
        }
    }

    public void Dispose()
    {
        Signal.Dispose();
        ThreadedSignal.Dispose();
        _holdReleased.Dispose();
    }

    /// <summary>
    /// Under the lock: unlinks the head of <paramref name="list"/> and copies what its run needs, so a
    /// reinsert during the routine cannot change what this run sees. False when the list is empty.
    /// </summary>
    private static bool TakeLocked(ref DpcList list, IKernelClock clock, out Dequeued taken)
    {
        var dpc = list.RemoveFirst();
        if (dpc is null)
        {
            taken = default;
            return false;
        }

        Volatile.Write(ref dpc.QueuedOn, null);
        taken = new Dequeued(dpc, dpc.Argument1, dpc.Argument2, dpc.EventTimestampNs, dpc.QueuedNs, dpc.Cycle, dpc.SourceInterrupt, clock.NowNs);
        return true;
    }

    private void Run(in Dequeued taken, LatencyRecorder recorder, Irql irql)
    {
        var (dpc, a1, a2, eventNs, queuedNs, cycle, source, start) = taken;
        // The routine starts first; the bookkeeping of its start (three histograms, one of them
        // interlocked) happens after it, so it never delays the DPC it measures.
        var clock = _kernel.Clock;
        var internalDpc = dpc.IsInternal;
        var previous = KernelThread.Irql;
        KernelThread.Irql = irql;
        try
        {
            dpc.Routine(dpc, dpc.DeferredContext, a1, a2);
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
        if (internalDpc)
        {
            return;
        }

        recorder.Record(LatencyStage.QueueWait, start - queuedNs);
        recorder.RecordEdgeToDpcStart(eventNs, start, cycle);
        source?.EdgeToDpcStart.RecordConcurrent(start - eventNs);
        var duration = end - start;
        recorder.Record(LatencyStage.DpcDuration, duration);
        dpc.ExecutionTime.RecordConcurrent(duration);
        Interlocked.Increment(ref dpc.RunCount);
        Interlocked.Add(ref dpc.TotalExecutionNs, duration);
        var max = Volatile.Read(ref dpc.MaxExecutionNs);
        if (duration > max)
        {
            Interlocked.CompareExchange(ref dpc.MaxExecutionNs, duration, max);
        }

        if (dpc.IsThreaded)
        {
            Interlocked.Increment(ref ThreadedDpcsRun);
        }
        else
        {
            Interlocked.Increment(ref DpcsRun);
        }

        Interlocked.Add(ref TimeInDpcNs, duration);
        if (duration > Volatile.Read(ref MaxExecutionNs))
        {
            Volatile.Write(ref MaxExecutionDpc, dpc);
            Volatile.Write(ref MaxExecutionNs, duration);
        }
    }

    /// <summary>One dequeued run: the DPC and a copy of its queue-time state (a stack value, never allocated).</summary>
    private readonly record struct Dequeued(Dpc Dpc, nint Argument1, nint Argument2, long EventNs, long QueuedNs, long Cycle, Interrupt? Source, long StartNs);
}
