using System.Runtime.CompilerServices;

namespace DpcPi.Kernel;

/// <summary>The DPC queue operations (KeInsertQueueDpc, KeRemoveQueueDpc, KeFlushQueuedDpcs) and their manual-kernel helpers.</summary>
public sealed partial class DpcKernel
{
    /// <summary>
    /// KeInsertQueueDpc. Queues <paramref name="dpc"/> on its target core (or the inserting core) with
    /// these arguments. Returns false, changing nothing, if it is already queued. Allocates nothing.
    /// </summary>
    public bool InsertQueueDpc(Dpc dpc, nint systemArgument1 = 0, nint systemArgument2 = 0)
    {
        var interrupt = KernelThread.CurrentInterrupt;
        return interrupt is not null
            ? Insert(dpc, systemArgument1, systemArgument2, stamped: true, KernelThread.EventNs, KernelThread.Cycle, interrupt)
            : Insert(dpc, systemArgument1, systemArgument2, stamped: false, 0, 0, null);
    }

    /// <summary>
    /// Queues a DPC from a timer expiry with the programmed expiry as its event time, so expiry→DPC latency
    /// is recorded like edge→DPC (and, inside an ISR, also in that interrupt's histogram). Used by the timer
    /// table; allocation-free.
    /// </summary>
    internal bool InsertQueueDpcAt(Dpc dpc, long eventTimestampNs, long cycle, nint systemArgument1, nint systemArgument2)
    {
        var interrupt = KernelThread.CurrentInterrupt;
        return Insert(dpc, systemArgument1, systemArgument2, stamped: true, eventTimestampNs, cycle, interrupt);
    }

    /// <summary>KeRemoveQueueDpc: true only if the DPC was queued and is now removed before running.</summary>
    public bool RemoveQueueDpc(Dpc dpc)
    {
        // An insert in progress is waited out (it has pushed, or is about to): removing then finds it.
        var proc = dpc.ReadQueuedOn();
        if (proc is null)
        {
            return false;
        }

        var spin = new SpinWait();
        while (true)
        {
            using (proc.Lock.EnterScope())
            {
                if (!ReferenceEquals(Volatile.Read(ref dpc.Queue.QueuedOn), proc))
                {
                    return false; // dequeued meanwhile (or dequeued and being inserted again)
                }

                var lane = proc.LaneOf(dpc);
                lane.CollectLocked();
                if (dpc.Queue.Linked)
                {
                    lane.RemoveLocked(dpc);
                    Volatile.Write(ref dpc.Queue.QueuedOn, null);
                    return true;
                }
            }

            // Queued and in no list: not yet published by its insert, or taken by the worker, which is about to
            // say it is dequeued (a few instructions either way). Look again.
            spin.SpinOnce();
        }
    }

    /// <summary>
    /// KeFlushQueuedDpcs: returns once every DPC queued before the call, on every core and in both
    /// lists, has finished. PASSIVE_LEVEL only.
    /// </summary>
    public void FlushQueuedDpcs() => Flush(Timeout.InfiniteTimeSpan);

    /// <summary>
    /// KeFlushQueuedDpcs with a limit, for shutdown paths, which must end: a DPC that never returns, or a worker
    /// that never gets its core, would otherwise hold them for ever. Throws <see cref="TimeoutException"/>
    /// naming each lane whose DPCs had not all run after <paramref name="timeout"/>, and what its drainer was
    /// doing; those DPCs stay queued. PASSIVE_LEVEL only.
    /// </summary>
    public void FlushQueuedDpcs(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Flush(timeout);
    }

    private void Flush(TimeSpan timeout)
    {
        if (KernelThread.Irql >= Irql.Dispatch)
        {
            throw new InvalidOperationException($"FlushQueuedDpcs must be called at PASSIVE_LEVEL, not {KernelThread.Irql}.");
        }

        if (!Options.StartThreads || !_started)
        {
            foreach (var p in _processors)
            {
                RunDpcs(p.Cpu);
            }

            return;
        }

        using (_flushLock.EnterScope())
        {
            var lanes = Options.ThreadDpcEnable ? new[] { false, true } : new[] { false }; // no threaded lane in use without it
            // Not disposed when the wait times out: a marker that starts meanwhile still signals it.
            var done = new CountdownEvent(_processors.Length * lanes.Length);
            var markers = new List<(Dpc Marker, DpcProcessor Processor, bool Threaded)>(_processors.Length * lanes.Length);
            foreach (var p in _processors)
            {
                foreach (var threaded in lanes)
                {
                    var marker = new Dpc(this, static (_, ctx, _, _) => ((CountdownEvent)ctx!).Signal(), done, threaded, "FlushQueuedDpcs") { IsInternal = true };
                    marker.SetTargetProcessor(p.Cpu);
                    marker.SetImportance(DpcImportance.MediumHigh);
                    markers.Add((marker, p, threaded));
                    InsertQueueDpc(marker);
                }
            }

            if (done.Wait(timeout))
            {
                done.Dispose();
                return;
            }

            // A marker still queued has not run: removed, it never runs later, when no one waits for it. One that is
            // running or has run is not stuck.
            var stuck = new List<string>();
            foreach (var (marker, p, threaded) in markers)
            {
                if (RemoveQueueDpc(marker))
                {
                    stuck.Add($"CPU {p.Cpu}'s {(threaded ? "threaded" : "normal")} lane ({p.DescribeDrain(threaded)})");
                }
            }

            if (stuck.Count == 0)
            {
                return; // the last ran between the wait's end and the look
            }

            var isr = _isrStopping && _isrThread is { IsAlive: true } ? $" The ISR thread, asked to stop, is still running (CPU {IsrProcessor})." : string.Empty;
            throw new TimeoutException($"DPCs queued before the flush had not all run after {timeout.TotalSeconds:0.#} s: {string.Join("; ", stuck)}.{isr}");
        }
    }

    /// <summary>
    /// KeIsExecutingDpc: whether the calling thread is running a DPC routine at DISPATCH (a DPC worker, the ISR
    /// thread draining its own core, or a manual drain). False in a threaded DPC at PASSIVE, as Windows' flag is
    /// the processor's DPC-routine-active one, which threaded DPCs do not set; true in one when
    /// <see cref="KernelOptions.ThreadDpcEnable"/> is off, since it then runs as an ordinary DPC.
    /// </summary>
    public static bool IsExecutingDpc => KernelThread.CurrentDrain is { IsNormal: true };

    /// <summary>
    /// KeQueryDpcWatchdogInformation: from inside a DPC routine, the watchdog's two limits and what this routine,
    /// and this core's current run of DPCs, have left of them. False (STATUS_UNSUCCESSFUL), with zeros, when the
    /// calling thread is not running a DPC routine at DISPATCH. Allocates nothing.
    /// </summary>
    public static bool QueryDpcWatchdogInformation(out DpcWatchdogInformation information)
    {
        if (KernelThread.CurrentDrain is { IsNormal: true } drain)
        {
            information = drain.QueryWatchdog();
            return true;
        }

        information = default;
        return false;
    }

    /// <summary>Holds <paramref name="cpu"/> at DISPATCH until the returned object is disposed (a test hook).</summary>
    internal ProcessorHold HoldAtDispatch(int cpu) => new(GetProcessor(cpu));

    /// <summary>The queued DPCs of <paramref name="cpu"/> in drain order (normal list, then threaded list); a test hook.</summary>
    internal IReadOnlyList<Dpc> QueuedDpcs(int cpu, bool threaded = false)
    {
        var p = GetProcessor(cpu);
        var list = new List<Dpc>();
        using (p.Lock.EnterScope())
        {
            var lane = threaded ? p.Threaded : p.Normal;
            lane.CollectLocked();
            for (var d = lane.List.Head; d is not null; d = d.Queue.Next)
            {
                list.Add(d);
            }
        }

        return list;
    }

    /// <summary>Whether a drain ("DPC interrupt") is pending for <paramref name="cpu"/>'s worker; a test hook.</summary>
    internal bool IsDrainRequested(int cpu, bool threaded = false)
    {
        var p = GetProcessor(cpu);
        return (threaded ? p.Threaded : p.Normal).IsRequested;
    }

    /// <summary>Manual kernels: runs the queued DPCs of <paramref name="cpu"/> on the calling thread, as its worker would.</summary>
    public void RunDpcs(int cpu)
    {
        if (Options.StartThreads && _started)
        {
            throw new InvalidOperationException("RunDpcs is for kernels created with StartThreads = false.");
        }

        var p = GetProcessor(cpu);
        var savedCpu = KernelThread.Cpu;
        KernelThread.Cpu = cpu;
        try
        {
            p.RunDpcs();
        }
        finally
        {
            KernelThread.Cpu = savedCpu;
        }
    }

    /// <summary>The insert: the target core (the DPC's, or the inserting one) takes it (<see cref="DpcProcessor.Insert"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Insert(Dpc dpc, nint systemArgument1, nint systemArgument2, bool stamped, long eventNs, long cycle, Interrupt? source)
    {
        var here = CurrentProcessor();
        var proc = dpc.TargetProcessor >= 0 ? _byCpu[dpc.TargetProcessor]! : here;
        return proc.Insert(dpc, systemArgument1, systemArgument2, stamped, eventNs, cycle, source, local: ReferenceEquals(proc, here));
    }
}
