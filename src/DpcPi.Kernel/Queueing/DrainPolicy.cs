namespace DpcPi.Kernel;

/// <summary>
/// One core's Windows drain rules: when an insert asks for the drain (the "DPC interrupt"), and how the clock
/// tick adapts the thresholds (MaximumDpcQueueDepth, MinimumDpcRate, DpcRequestRate, AdjustDpcThreshold).
/// The tick state is written only by <see cref="OnClockTick"/>, under its own lock (a tick may come from any
/// thread calling <see cref="DpcKernel.ClockTick"/>); inserts and statistics read it without the lock.
/// </summary>
internal sealed class DrainPolicy
{
    private readonly KernelOptions _options;
    private readonly DpcLane _normal;
    private readonly DpcLane _threaded;
    private readonly DpcDrain _normalDrain;
    private readonly Lock _tickLock = new();

    // The tick's (under _tickLock).
    private int _maximumDpcQueueDepth;
    private long _dpcRequestRate;
    private long _lastDpcCount;
    private int _adjustCountdown;
    private long _ticks;

    private bool _tickDrainsLeftovers; // the kernel's (TickDrainsLeftovers)

    public DrainPolicy(KernelOptions options, DpcLane normal, DpcLane threaded, DpcDrain normalDrain)
    {
        _options = options;
        _normal = normal;
        _threaded = threaded;
        _normalDrain = normalDrain;
        _maximumDpcQueueDepth = options.MaximumDpcQueueDepth;
        _adjustCountdown = options.AdjustDpcThreshold;
    }

    public int MaximumDpcQueueDepth => Volatile.Read(ref _maximumDpcQueueDepth);

    public long DpcRequestRate => Volatile.Read(ref _dpcRequestRate);

    public long Ticks => Volatile.Read(ref _ticks);

    /// <summary>Inserts accepted on both lanes (Windows' DpcCount).</summary>
    public long DpcCount => _normal.Inserted + _threaded.Inserted;

    /// <summary>
    /// Whether a clock interrupt drives this kernel (<see cref="DpcKernel.ConnectClockInterrupt"/>, or a call of
    /// <see cref="DpcKernel.ClockTick"/>): only then can a remote insert be deferred, since the tick is what drains
    /// the DPCs left queued. Written by the kernel (rarely), read by inserts.
    /// </summary>
    public bool TickDrainsLeftovers
    {
        get => Volatile.Read(ref _tickDrainsLeftovers);
        set => Volatile.Write(ref _tickDrainsLeftovers, value);
    }

    /// <summary>
    /// After an insert: whether the Windows rules ask for the drain, i.e. whether a sleeping worker is woken (a
    /// spinning one polls anyway), as "Organization of DPC Queues" and KeInsertQueueDpc state them. Threaded
    /// DPCs always. On the inserting core (<paramref name="local"/>): High, MediumHigh and Medium always; Low once
    /// the queue is deep enough or the request rate is below the minimum. On another core: High and MediumHigh
    /// always; Medium and Low only once that queue is deep enough (the rate trigger is the inserting core's
    /// own), else they wait for the target's next tick, or for its worker to run for any other reason. A
    /// kernel no clock drives has no tick to wait for, so there a remote insert is not deferred. Lock-free:
    /// the depth is inserted minus taken.
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
            _ when _normal.Depth >= Volatile.Read(ref _maximumDpcQueueDepth) => true,
            _ when local => Volatile.Read(ref _dpcRequestRate) < _options.MinimumDpcRate,
            _ => !Volatile.Read(ref _tickDrainsLeftovers),
        };
    }

    /// <summary>
    /// The tick's threshold work, as KeUpdateRunTime: adapts the maximum depth towards the ideal request rate and
    /// updates the request rate. True when DPCs were left queued, i.e. the tick should request the drain. It takes
    /// neither the core's list lock nor a line the worker needs exclusive: a tick every millisecond must not make
    /// the worker's next dequeue wait for its own lock (on the tick's core) or refetch its lines.
    /// </summary>
    public bool OnClockTick()
    {
        var o = _options;
        var request = false;
        using (_tickLock.EnterScope())
        {
            Volatile.Write(ref _ticks, _ticks + 1);

            // Left queued: DPCs in the ring, list or overflow while no routine runs and no drain is pending
            // (a worker that takes one meanwhile turns the request into a spurious, harmless one).
            if (_normal.Depth > 0 && !_normalDrain.RoutineActive && !_normal.IsRequested)
            {
                _adjustCountdown = o.AdjustDpcThreshold;
                request = true;
                if (_dpcRequestRate < o.IdealDpcRate && _maximumDpcQueueDepth > 1)
                {
                    Volatile.Write(ref _maximumDpcQueueDepth, _maximumDpcQueueDepth - 1);
                }
            }
            else if (--_adjustCountdown <= 0)
            {
                _adjustCountdown = o.AdjustDpcThreshold;
                if (_maximumDpcQueueDepth < o.MaximumDpcQueueDepth)
                {
                    Volatile.Write(ref _maximumDpcQueueDepth, _maximumDpcQueueDepth + 1);
                }
            }

            var count = DpcCount;
            Volatile.Write(ref _dpcRequestRate, (count - _lastDpcCount + _dpcRequestRate) / 2);
            _lastDpcCount = count;
        }

        return request;
    }
}
