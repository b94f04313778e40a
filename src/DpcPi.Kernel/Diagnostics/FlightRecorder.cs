namespace DpcPi.Kernel;

/// <summary>What a <see cref="FlightEvent"/> stamps: one ISR run, or one DPC run.</summary>
public enum FlightEventKind
{
    Isr = 1,
    Dpc = 2,
}

/// <summary>
/// One event of the flight recorder: an ISR run (edge, entry, exit) or a DPC run (edge, queued, start, end).
/// A plain struct written in place in a ring slot; readers get copies.
/// </summary>
public struct FlightEvent
{
    /// <summary>The interrupt's event timestamp (edge, or the timer's expiry); for a DPC not queued by an ISR, its queue time.</summary>
    public long EventNs;

    /// <summary>A DPC's queue time; 0 for an ISR.</summary>
    public long QueuedNs;

    /// <summary>ISR entry, or DPC routine start.</summary>
    public long StartNs;

    /// <summary>ISR exit, or DPC routine end.</summary>
    public long EndNs;

    /// <summary>The interrupt's cycle (its source sequence number): the key that joins a DPC to the ISR that queued it.</summary>
    public long Cycle;

    /// <summary>The DPC that ran (null for an ISR).</summary>
    public Dpc? Dpc;

    /// <summary>The interrupt that ran (an ISR) or queued the DPC; null for a DPC queued from elsewhere.</summary>
    public Interrupt? Interrupt;

    public FlightEventKind Kind;

    /// <summary>The core whose queue a DPC ran from (the ISR thread's core for an ISR).</summary>
    public int Cpu;

    /// <summary>The DPC ran on the ISR thread (<see cref="KernelOptions.RunLocalDpcsOnIsrThread"/>), not on a worker.</summary>
    public bool OnIsrThread;

    /// <summary>The DPC was the first its worker ran after sleeping (a futex wake-up), not found by a worker already running or spinning.</summary>
    public bool WorkerWoke;

    /// <summary>Not a driver's DPC: the kernel's own (the clock tick's timers).</summary>
    public bool Internal;
}

/// <summary>
/// One writer's ring of the last N <see cref="FlightEvent"/>s: the ISR thread's ISRs, or one lane's DPC runs.
/// Exactly one thread writes it at a time (the ISR thread, or whoever drains the lane: drainers take turns),
/// in place and without allocating; readers copy it while the recorder is frozen.
/// </summary>
public sealed class FlightTrack
{
    private readonly FlightEvent[] _ring;
    private readonly int _mask;
    private PaddedLong _count; // events written so far: the writer's, read by the copier

    internal FlightTrack(int id, string name, int cpu, bool threaded, int capacity)
    {
        Id = id;
        Name = name;
        Cpu = cpu;
        Threaded = threaded;
        _ring = new FlightEvent[capacity];
        _mask = capacity - 1;
    }

    /// <summary>The track's number within its recorder (0: the ISR thread).</summary>
    public int Id { get; }

    /// <summary>How reports name it ("ISR thread", "DPC queue CPU 1", "threaded DPC queue CPU 1").</summary>
    public string Name { get; }

    public int Cpu { get; }

    public bool Threaded { get; }

    /// <summary>Events written since the kernel started (the newest has index Written - 1).</summary>
    public long Written => Volatile.Read(ref _count.Value);

    /// <summary>The writer: the slot of the next event, filled in place by the caller, then <see cref="Commit"/>.</summary>
    internal ref FlightEvent Next() => ref _ring[_count.Value & _mask];

    /// <summary>The writer: publishes the slot <see cref="Next"/> gave; returns the event's index.</summary>
    internal long Commit()
    {
        var index = _count.Value;
        Volatile.Write(ref _count.Value, index + 1);
        return index;
    }

    /// <summary>
    /// Copies the events still in the ring, oldest first, with their indexes. Meant for a frozen recorder; the
    /// oldest slots, which a writer that had not yet seen the freeze may be overwriting, are left out.
    /// </summary>
    public (long FirstIndex, FlightEvent[] Events) Copy()
    {
        Interlocked.MemoryBarrier();
        var end = Written;
        var copy = new FlightEvent[(int)Math.Min(end, _ring.Length)];
        var first = end - copy.Length;
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = _ring[(first + i) & _mask];
        }

        Interlocked.MemoryBarrier();
        // A writer still in flight writes at most the slot after the last committed one, which is the oldest's:
        // drop as many oldest events as the count moved on, plus that one.
        var moved = Written - end;
        var drop = (int)Math.Min(copy.Length, moved + (copy.Length == _ring.Length ? 1 : 0));
        return (first + drop, copy[drop..]);
    }
}

/// <summary>
/// The flight recorder (cyclictest -b, rtla -T): a fixed-size ring per writer of the last events' stage stamps —
/// the ISR thread's ISRs (edge, entry, exit) and every lane's DPC runs (edge, queued, start, end, routine, core).
/// When a DPC starts <see cref="ThresholdNs"/> or more after its interrupt's edge, the first writer to see it
/// freezes the recorder and names the culprit; every writer then skips recording until the host has copied the
/// rings (<see cref="TryGetTrigger"/>) and called <see cref="Resume"/>. Recording allocates nothing and takes no lock.
/// </summary>
public sealed class FlightRecorder
{
    private const int Running = 0;
    private const int Freezing = 1;
    private const int Frozen = 2;

    private readonly FlightTrack[] _tracks;
    private PaddedInt _state; // read by every writer on every event; written only on a trigger and a resume
    private FlightTrack? _culpritTrack;
    private long _culpritIndex;
    private long _triggers;
    private long _missed;

    internal FlightRecorder(int capacity, long thresholdNs, IReadOnlyList<int> cpus)
    {
        if (capacity < 16 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The flight recorder's ring size must be a power of two, 16 or more.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thresholdNs);
        Capacity = capacity;
        ThresholdNs = thresholdNs;
        var tracks = new List<FlightTrack> { new(0, "ISR thread", -1, false, capacity) };
        foreach (var cpu in cpus)
        {
            tracks.Add(new FlightTrack(tracks.Count, $"DPC queue CPU {cpu}", cpu, false, capacity));
            tracks.Add(new FlightTrack(tracks.Count, $"threaded DPC queue CPU {cpu}", cpu, true, capacity));
        }

        _tracks = [.. tracks];
    }

    /// <summary>Events kept per track.</summary>
    public int Capacity { get; }

    /// <summary>Edge→DPC start at or above this freezes the recorder (ns).</summary>
    public long ThresholdNs { get; }

    public IReadOnlyList<FlightTrack> Tracks => _tracks;

    /// <summary>Triggers so far (the windows frozen for the host).</summary>
    public long Triggers => Volatile.Read(ref _triggers);

    /// <summary>DPC runs over the threshold while the recorder was frozen: counted, not recorded.</summary>
    public long Missed => Volatile.Read(ref _missed);

    /// <summary>True while frozen (or freezing): writers skip.</summary>
    public bool IsFrozen => Volatile.Read(ref _state.Value) != Running;

    internal FlightTrack IsrTrack => _tracks[0];

    internal FlightTrack DpcTrack(int cpu, bool threaded)
    {
        foreach (var t in _tracks)
        {
            if (t.Cpu == cpu && t.Threaded == threaded)
            {
                return t;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(cpu), cpu, "no flight track for this CPU");
    }

    /// <summary>The ISR thread, after an ISR returned.</summary>
    internal void RecordIsr(Interrupt interrupt, long eventNs, long cycle, long entryNs, long exitNs, int cpu)
    {
        if (Volatile.Read(ref _state.Value) != Running)
        {
            return;
        }

        var track = _tracks[0];
        ref var e = ref track.Next();
        e.Kind = FlightEventKind.Isr;
        e.EventNs = eventNs;
        e.QueuedNs = 0;
        e.StartNs = entryNs;
        e.EndNs = exitNs;
        e.Cycle = cycle;
        e.Dpc = null;
        e.Interrupt = interrupt;
        e.Cpu = cpu;
        e.OnIsrThread = true;
        e.WorkerWoke = false;
        e.Internal = false;
        _ = track.Commit();
    }

    /// <summary>A lane's drainer, after a DPC routine returned: records it and, when it started late, freezes the recorder on it.</summary>
    internal void RecordDpc(FlightTrack track, Dpc dpc, in InsertRecord record, long startNs, long endNs, bool onIsrThread, bool woke)
    {
        if (Volatile.Read(ref _state.Value) != Running)
        {
            if (!dpc.IsInternal && startNs - record.EventTimestampNs >= ThresholdNs)
            {
                Interlocked.Increment(ref _missed);
            }

            return;
        }

        ref var e = ref track.Next();
        e.Kind = FlightEventKind.Dpc;
        e.EventNs = record.EventTimestampNs;
        e.QueuedNs = record.QueuedNs;
        e.StartNs = startNs;
        e.EndNs = endNs;
        e.Cycle = record.Cycle;
        e.Dpc = dpc;
        e.Interrupt = record.Source;
        e.Cpu = track.Cpu;
        e.OnIsrThread = onIsrThread;
        e.WorkerWoke = woke;
        e.Internal = dpc.IsInternal;
        var index = track.Commit();
        if (!dpc.IsInternal && startNs - record.EventTimestampNs >= ThresholdNs)
        {
            Trigger(track, index);
        }
    }

    /// <summary>
    /// The host, off the hot path: when a trigger froze the recorder, copies every track and names the culprit;
    /// the recorder stays frozen until <see cref="Resume"/>. False when nothing triggered (or the freeze is still being set up).
    /// </summary>
    public bool TryGetTrigger(out FlightWindow window)
    {
        if (Volatile.Read(ref _state.Value) != Frozen)
        {
            window = null!;
            return false;
        }

        window = CopyWindow(_culpritTrack, _culpritIndex);
        return true;
    }

    /// <summary>Every track's events now, without a culprit (a run's end, a test). Consistent only while frozen or stopped.</summary>
    public FlightWindow Copy() => CopyWindow(null, -1);

    /// <summary>Lets the writers record again after a trigger was copied.</summary>
    public void Resume()
    {
        _culpritTrack = null;
        Volatile.Write(ref _state.Value, Running);
    }

    private FlightWindow CopyWindow(FlightTrack? culpritTrack, long culpritIndex)
    {
        var tracks = new FlightTrackWindow[_tracks.Length];
        for (var i = 0; i < _tracks.Length; i++)
        {
            var (first, events) = _tracks[i].Copy();
            tracks[i] = new FlightTrackWindow(_tracks[i], first, events);
        }

        return new FlightWindow(tracks, culpritTrack?.Id ?? -1, culpritIndex, Volatile.Read(ref _triggers), ThresholdNs);
    }

    private void Trigger(FlightTrack track, long index)
    {
        if (Interlocked.CompareExchange(ref _state.Value, Freezing, Running) != Running)
        {
            Interlocked.Increment(ref _missed); // another core's writer froze it a moment before
            return;
        }

        _culpritTrack = track;
        _culpritIndex = index;
        Interlocked.Increment(ref _triggers);
        Volatile.Write(ref _state.Value, Frozen);
    }
}

/// <summary>One track's copied events, oldest first; <see cref="FirstIndex"/> is the index of the first.</summary>
public sealed record FlightTrackWindow(FlightTrack Track, long FirstIndex, FlightEvent[] Events);

/// <summary>
/// A copy of every track of a frozen <see cref="FlightRecorder"/>, with the event that froze it
/// (<see cref="CulpritTrack"/> -1 when copied without a trigger).
/// </summary>
public sealed record FlightWindow(IReadOnlyList<FlightTrackWindow> Tracks, int CulpritTrack, long CulpritIndex, long TriggerNumber, long ThresholdNs)
{
    /// <summary>The event that exceeded the threshold, when it is still in the copy.</summary>
    public FlightEvent? Culprit
    {
        get
        {
            if (CulpritTrack < 0 || CulpritTrack >= Tracks.Count)
            {
                return null;
            }

            var t = Tracks[CulpritTrack];
            var i = CulpritIndex - t.FirstIndex;
            return i >= 0 && i < t.Events.Length ? t.Events[i] : null;
        }
    }
}
