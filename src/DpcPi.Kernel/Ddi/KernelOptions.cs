namespace DpcPi.Kernel;

/// <summary>Tunables of a <see cref="DpcKernel"/>. Defaults follow Windows where Windows has one.</summary>
public sealed class KernelOptions
{
    /// <summary>The CPUs that get a DPC queue and worker; null means every CPU the process may use.</summary>
    public IReadOnlyList<int>? Processors { get; set; }

    /// <summary>The CPU of the ISR thread; -1 means the last DPC core.</summary>
    public int IsrProcessor { get; set; } = -1;

    /// <summary>
    /// SCHED_FIFO priority of the ISR thread. Default 49: just below the kernel's threaded GPIO IRQ
    /// handlers (FIFO 50), which must run first to produce the event the ISR thread waits for.
    /// </summary>
    public int IsrPriority { get; set; } = 49;

    /// <summary>SCHED_FIFO priority of the DPC workers (below the ISR thread).</summary>
    public int DpcPriority { get; set; } = 45;

    /// <summary>SCHED_FIFO priority of the threaded-DPC workers (below the DPC workers).</summary>
    public int ThreadedDpcPriority { get; set; } = 30;

    /// <summary>Ask for SCHED_FIFO. When refused, the kernel runs anyway and records it in <see cref="DpcKernel.Guarantees"/>.</summary>
    public bool Realtime { get; set; } = true;

    /// <summary>Pin each thread to its CPU from inside the thread.</summary>
    public bool Pin { get; set; } = true;

    /// <summary>mlockall(MCL_CURRENT|MCL_FUTURE) at start, as cyclictest -m.</summary>
    public bool LockMemory { get; set; }

    public DpcWaitStrategy WaitStrategy { get; set; } = DpcWaitStrategy.SpinThenBlock;

    /// <summary>
    /// Run the DPCs the ISR thread queues on its own core on the ISR thread itself, once it has dispatched the
    /// interrupts it was woken for, instead of waking that core's worker: Windows runs a DPC queued on the
    /// interrupted processor there, when its IRQL drops below DISPATCH, with no thread switch. It saves the
    /// worker's wake-up on every interrupt; the price is that the ISR thread services no other interrupt while
    /// those routines run (Windows' ISRs would pre-empt them), and the DPC watchdog, which the clock tick on
    /// that thread drives, cannot see a routine running there until it returns. Other cores' DPCs, threaded
    /// DPCs and drains the clock tick asks for still go to the workers. Default off; measured against the
    /// worker in both real-kernel tiers (tests/vm: the ISR->DPC hop fell from 176 to 19 µs p50 on x86-64).
    /// </summary>
    public bool RunLocalDpcsOnIsrThread { get; set; }

    /// <summary>
    /// Windows' ThreadDpcEnable. True (the default): threaded DPCs run at PASSIVE on each core's threaded-DPC
    /// thread. False: <see cref="DpcKernel.InitializeThreadedDpc"/> makes ordinary DPCs (queued on the normal
    /// lane, run at DISPATCH by the DPC worker, watched by the watchdog), as Windows does when the registry
    /// value is 0, and the threaded-DPC threads are not started.
    /// </summary>
    public bool ThreadDpcEnable { get; set; } = true;

    /// <summary>How long <see cref="DpcWaitStrategy.SpinThenBlock"/> spins before sleeping.</summary>
    public TimeSpan SpinDuration { get; set; } = TimeSpan.FromMicroseconds(50);

    /// <summary>Start worker and ISR threads. False gives a manual kernel that tests drive step by step.</summary>
    public bool StartThreads { get; set; } = true;

    /// <summary>Windows' KiMaximumDpcQueueDepth: a Low DPC wakes the worker once the queue is this deep.</summary>
    public int MaximumDpcQueueDepth { get; set; } = 4;

    /// <summary>Windows' KiMinimumDpcRate: below this many requests per tick, Low DPCs wake the worker.</summary>
    public int MinimumDpcRate { get; set; } = 3;

    /// <summary>Windows' KiIdealDpcRate: below it, the clock tick lowers the maximum depth (drain sooner).</summary>
    public int IdealDpcRate { get; set; } = 20;

    /// <summary>Windows' KiAdjustDpcThreshold: idle ticks before the maximum depth grows back by one.</summary>
    public int AdjustDpcThreshold { get; set; } = 20;

    public DpcExceptionPolicy ExceptionPolicy { get; set; } = DpcExceptionPolicy.Isolate;

    /// <summary>ISR runs longer than this are counted as slow (per vector).</summary>
    public long SlowIsrThresholdNs { get; set; } = 25_000;

    /// <summary>Per-DPC watchdog limit (ns). Windows' guidance: a DPC should not run longer than 100 µs.</summary>
    public long WatchdogDpcLimitNs { get; set; } = 100_000;

    /// <summary>Cumulative watchdog limit: time a core may spend continuously in DPCs (ns).</summary>
    public long WatchdogCumulativeLimitNs { get; set; } = 10_000_000;

    public WatchdogPolicy WatchdogPolicy { get; set; } = WatchdogPolicy.Count;

    /// <summary>How timers expire: on the periodic clock tick (default) or on a one-shot high-resolution timer.</summary>
    public TimerMode TimerMode { get; set; } = TimerMode.PeriodicTick;

    /// <summary>
    /// The clock interrupt's period (ns) for the tick source to program. Default 1 ms (Windows with
    /// timeBeginPeriod(1)); classic Windows uses 15.625 ms. It bounds timer resolution in
    /// <see cref="TimerMode.PeriodicTick"/> and how soon the watchdog sees a long DPC in either mode.
    /// </summary>
    public long ClockTickIntervalNs { get; set; } = 1_000_000;

    /// <summary>Edge→DPC latencies at or above this are listed with their cycle numbers.</summary>
    public long OutlierThresholdNs { get; set; } = 1_000_000;

    /// <summary>Length of the per-second maximum-latency timeline.</summary>
    public int TimelineSeconds { get; set; } = 86_400;

    public IKernelClock Clock { get; set; } = MonotonicKernelClock.Instance;

    /// <summary>
    /// Events the flight recorder keeps per track (the ISR thread, each lane): a power of two, 16 or more; 0 (the
    /// default) leaves it off and the hot path untouched but for one null check per ISR and DPC run.
    /// </summary>
    public int FlightRecorderEvents { get; set; }

    /// <summary>Edge→DPC start at or above this freezes the flight recorder on that DPC run (ns).</summary>
    public long FlightRecorderThresholdNs { get; set; } = 1_000_000;

    /// <summary>A copy to adjust (a throwaway warm-up kernel, a second run): every setting, none shared but the clock.</summary>
    public KernelOptions Clone() => (KernelOptions)MemberwiseClone();

    internal void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be 0 or more.");
            }
        }

        Positive(MaximumDpcQueueDepth, nameof(MaximumDpcQueueDepth));
        Positive(MinimumDpcRate, nameof(MinimumDpcRate));
        Positive(IdealDpcRate, nameof(IdealDpcRate));
        if (AdjustDpcThreshold < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(AdjustDpcThreshold), AdjustDpcThreshold, "AdjustDpcThreshold must be 1 or more.");
        }

        if (!Enum.IsDefined(TimerMode))
        {
            throw new ArgumentOutOfRangeException(nameof(TimerMode), TimerMode, "TimerMode must be PeriodicTick or HighResolution.");
        }

        if (FlightRecorderEvents != 0 && (FlightRecorderEvents < 16 || (FlightRecorderEvents & (FlightRecorderEvents - 1)) != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(FlightRecorderEvents), FlightRecorderEvents, "FlightRecorderEvents must be 0 (off) or a power of two, 16 or more.");
        }

        if (FlightRecorderThresholdNs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(FlightRecorderThresholdNs), FlightRecorderThresholdNs, "FlightRecorderThresholdNs must be 1 or more.");
        }

        if (ClockTickIntervalNs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ClockTickIntervalNs), ClockTickIntervalNs, "ClockTickIntervalNs must be 1 or more.");
        }

        foreach (var (value, name) in new[] { (IsrPriority, nameof(IsrPriority)), (DpcPriority, nameof(DpcPriority)), (ThreadedDpcPriority, nameof(ThreadedDpcPriority)) })
        {
            if (value is < 1 or > 99)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be a SCHED_FIFO priority from 1 to 99.");
            }
        }
    }
}
