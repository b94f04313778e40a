namespace DpcPi.Kernel;

/// <summary>
/// One of a core's two DPC queues (normal or threaded): a lock-free ring that inserts publish in
/// (<c>DpcLane.Ring.cs</c>) and the ordered list the worker drains, laid out so that an insert from another
/// core and the worker that runs it share as few cache lines as the hand-off allows.
/// <list type="bullet">
/// <item>The ring: inserts claim a slot (a CAS on the producers' own line) and publish the DPC in it with
/// the insert's record (arguments and stamps); the worker polls the next slot and never writes the ring or
/// any line the inserters write. An insert takes no lock and never waits. If the ring is full (more DPCs
/// queued on one lane than it holds), inserts go to a lock-free overflow stack until the worker has taken it.</item>
/// <item>The ordered list (Windows' DPC list: High at the head, the rest in insert order), touched only
/// under the core's lock by the worker and by the rare callers that need the list itself (remove,
/// flush, hold, clock tick, statistics). Each of them first collects the ring into the list, in insert
/// order, so the list is exactly the one a lock-per-insert queue would hold. While the list is empty and
/// no High DPC or overflow waits, the worker takes the oldest slot directly: the DPC it would have put at
/// the head of the list, without linking it or reading its queue lines.</item>
/// <item>The wake-up: a worker that is spinning (its <see cref="IWaitStrategy"/>) polls the ring, as an idle
/// processor's idle loop retires whatever is queued; a sleeping worker is woken (a futex) only when the
/// importance rules ask for the drain, or later by the clock tick. The sleep handshake is Dekker's: the
/// worker says it sleeps and then looks once more; an insert publishes and then looks whether the worker sleeps.</item>
/// </list>
/// Who writes what (each field has one writer, or says how its writers agree): <b>inserters</b> the producer
/// line (<c>_producer</c>, CAS and interlocked); <b>lock holders</b> (the core's lock) <see cref="List"/>, the
/// consumer head, <c>_taken</c>, <c>_listHighWater</c>; <b>the drainer</b> (one thread at a time, see
/// <see cref="DpcDrain"/>) the ring-depth history; <b>the worker</b> <c>_sleeping</c>; any thread the
/// <c>_requested</c> and <c>_attention</c> flags (exchanges) and <c>_stopping</c> (once, by Stop).
/// </summary>
internal sealed partial class DpcLane
{
    private PaddedInt _sleeping; // the worker (1 before it starts: manual kernels never have one)
    private PaddedInt _requested; // any thread raises it (Request), the worker or a manual drain consumes it
    private PaddedInt _attention; // inserters and collectors raise it, the worker's collect clears it
    private volatile bool _stopping; // Stop, once
    private long _taken; // lock holders
    private int _listHighWater; // lock holders write; HighWater reads it without the lock

    /// <summary>The ordered list. Only under <see cref="DpcProcessor.Lock"/>, after <see cref="CollectLocked"/>.</summary>
    public DpcList List;

    public DpcLane()
    {
        _shared.Ring = new Slot[RingSize];
        _shared.Signal = new WakeSignal();
        _sleeping.Value = 1; // no worker polls until one starts (manual kernels never have one)
    }

    /// <summary>The deepest the queue has been: the list when collected, or the ring when a DPC that a run took from its slot was inserted.</summary>
    public int HighWater => Math.Max(Volatile.Read(ref _listHighWater), Volatile.Read(ref _ringHighWater));

    /// <summary>DPCs queued now, ring included: inserted minus dequeued or removed. Lock-free; exact once inserts are quiet.</summary>
    public long Depth => Inserted - Volatile.Read(ref _taken);

    /// <summary>Whether a drain was requested and not yet taken up (a spinning worker needs none: it polls).</summary>
    public bool IsRequested => Volatile.Read(ref _requested.Value) != 0;

    /// <summary>Whether the worker is asleep (or there is none): only a request wakes it.</summary>
    public bool IsSleeping => Volatile.Read(ref _sleeping.Value) != 0;

    public bool IsStopping => _stopping;

    /// <summary>The worker only: set when it returned from a futex sleep, cleared by the flight recorder's first record after it.</summary>
    public bool WokeFromSleep { get; set; }

    /// <summary>Work the worker would find: a published slot, DPCs in the overflow, or a request.</summary>
    public bool HasWork => HasQueuedWork() || Volatile.Read(ref _requested.Value) != 0;

    /// <summary>
    /// After a push the importance rules asked to drain: wakes the worker if it sleeps (a spinning one
    /// polls and needs nothing). The fence orders the publish before the look at the sleeping flag.
    /// </summary>
    public void WakeIfSleeping()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping.Value) != 0)
        {
            Request();
        }
    }

    /// <summary>
    /// Under the core's lock, on the worker's dequeue: collects only when the list is empty or something
    /// needs attention (a High DPC, the overflow). Between those the ring fills without the worker reading
    /// the slots being written, and the order run is the same, since everything in the ring was inserted
    /// after everything in the list.
    /// </summary>
    public void CollectForDequeueLocked()
    {
        if (List.Count == 0 || Volatile.Read(ref _attention.Value) != 0)
        {
            CollectLocked(forWorker: true);
        }
    }

    /// <summary>
    /// Under the core's lock: moves the ring (then the overflow) into the list in insert order (High to the
    /// head, the rest to the tail), so the list is what it would be had every insert linked itself.
    /// </summary>
    /// <param name="forWorker">False for the other collectors (remove, tick, statistics...): DPCs they move into the
    /// list raise the attention flag, so a polling worker, which looks at the ring and that flag, still sees them.</param>
    public void CollectLocked(bool forWorker = false)
    {
        var before = List.Count;
        var attention = Volatile.Read(ref _attention.Value) != 0;
        if (attention)
        {
            Volatile.Write(ref _attention.Value, 0); // before the take: a push after it raises the flag again
            Interlocked.MemoryBarrier();
        }

        var head = _consumer.Value;
        while (true)
        {
            if (!IsPublished(head))
            {
                break; // not published yet (or a claimed slot still being filled: its inserter wakes us after)
            }

            ref var slot = ref _shared.Ring![head & RingMask];
            var dpc = slot.Dpc!;
            dpc.Queue.Record = slot.Record;
            Link(dpc);
            head++;
        }

        Volatile.Write(ref _consumer.Value, head);
        // The overflow is on the inserters' line: looked at only when an overflowing insert raised attention.
        if (attention && Volatile.Read(ref _producer.Overflow) is not null)
        {
            LinkOverflow(Interlocked.Exchange(ref _producer.Overflow, null));
        }

        if (List.Count > _listHighWater)
        {
            _listHighWater = List.Count;
        }

        if (!forWorker && List.Count > before)
        {
            Volatile.Write(ref _attention.Value, 1);
        }
    }

    /// <summary>Under the core's lock: the head of the list is leaving it (dequeued to run, or removed).</summary>
    public Dpc? RemoveFirstLocked()
    {
        var dpc = List.RemoveFirst();
        if (dpc is not null)
        {
            Volatile.Write(ref _taken, _taken + 1);
        }

        return dpc;
    }

    /// <summary>Under the core's lock: unlinks a DPC that is in the list (after <see cref="CollectLocked"/>).</summary>
    public void RemoveLocked(Dpc dpc)
    {
        List.Remove(dpc);
        Volatile.Write(ref _taken, _taken + 1);
    }

    /// <summary>Asks the worker to drain (the "DPC interrupt"), waking it if it sleeps. Returns false when a request was already pending. Never blocks.</summary>
    public bool Request()
    {
        // Read first: while a request is pending the line stays shared.
        if (Volatile.Read(ref _requested.Value) != 0 || Interlocked.Exchange(ref _requested.Value, 1) != 0)
        {
            return false;
        }

        if (Volatile.Read(ref _sleeping.Value) != 0)
        {
            _shared.Signal!.Set();
        }

        return true;
    }

    /// <summary>Clears a pending request (manual kernels drain on the caller's thread).</summary>
    public void ConsumeRequest() => Interlocked.Exchange(ref _requested.Value, 0);

    /// <summary>Called once by the worker thread before its first wait: from now on it polls.</summary>
    public void WorkerStarted() => Volatile.Write(ref _sleeping.Value, 0);

    public void Stop()
    {
        _stopping = true;
        Volatile.Write(ref _requested.Value, 1);
        _shared.Signal!.Set();
    }

    /// <summary>
    /// The worker (its wait strategy): whether it has something to do. A pending request (how a list left
    /// non-empty by a hold or a stopped drain is answered) is consumed here: the drain that follows answers it.
    /// </summary>
    public bool TakeWork() =>
        HasQueuedWork() || (Volatile.Read(ref _requested.Value) != 0 && Interlocked.Exchange(ref _requested.Value, 0) != 0);

    /// <summary>The worker (its wait strategy), when it stops spinning: sleeps until there is work or the lane is stopped.</summary>
    public void SleepUntilWork()
    {
        while (!_stopping)
        {
            Volatile.Write(ref _sleeping.Value, 1);
            Interlocked.MemoryBarrier();
            if (TakeWork())
            {
                Volatile.Write(ref _sleeping.Value, 0);
                return;
            }

            _shared.Signal!.Wait();
            _shared.Signal!.Reset();
            Volatile.Write(ref _sleeping.Value, 0);
            WokeFromSleep = true;
        }
    }

    /// <summary>A published slot at the head of the ring, or DPCs (overflow, collected by someone else) flagged for attention.</summary>
    private bool HasQueuedWork()
    {
        var head = Volatile.Read(ref _consumer.Value);
        return IsPublished(head) || Volatile.Read(ref _attention.Value) != 0;
    }

    /// <summary>Links the overflow stack (newest first) into the list oldest first.</summary>
    private void LinkOverflow(Dpc? stack)
    {
        Dpc? oldest = null;
        while (stack is not null)
        {
            var next = stack.Queue.InboxNext;
            stack.Queue.InboxNext = oldest;
            oldest = stack;
            stack = next;
        }

        while (oldest is not null)
        {
            var next = oldest.Queue.InboxNext;
            oldest.Queue.InboxNext = null;
            Link(oldest);
            oldest = next;
        }
    }

    private void Link(Dpc dpc)
    {
        if (dpc.Queue.QueuedImportance == DpcImportance.High)
        {
            List.AddFirst(dpc);
        }
        else
        {
            List.AddLast(dpc);
        }
    }
}
