using DpcPi.Kernel;

namespace DpcPi.Bench;

/// <summary>Settings of one <c>dpcpi bench</c> run. <see cref="Full"/> takes under a minute on 2 cores; <see cref="Quick"/> about 5 s.</summary>
public sealed record BenchOptions
{
    /// <summary>Every contender name, in the order they run and are reported.</summary>
    public static IReadOnlyList<string> AllContenders { get; } =
        ["raw-spin", "raw-spin-stamped", "direct", "dpc-spin-then-block", "dpc-busy-spin", "dpc-blocking", "dpc-recorder", "channel", "threadpool", "blocking-collection"];

    public static BenchOptions Full { get; } = new();

    public static BenchOptions Quick { get; } = new()
    {
        Mode = "quick",
        LatencyEvents = 2_000,
        WarmupEvents = 500,
        Interval = TimeSpan.FromMicroseconds(20),
        ThroughputDuration = TimeSpan.FromMilliseconds(150),
        Rounds = 1,
        TierUpPause = TimeSpan.Zero,
    };

    /// <summary>"full" or "quick" (reported, not interpreted).</summary>
    public string Mode { get; init; } = "full";

    /// <summary>Paced events measured per contender in the latency phase (in all, over the rounds).</summary>
    public int LatencyEvents { get; init; } = 80_000;

    /// <summary>
    /// Paced events run first and not measured (JIT tier-up, caches, page faults). 40,000 at 25 µs is one
    /// second: long enough for the runtime's tiered JIT (tier-0, then instrumented, then optimised with PGO)
    /// to replace the hand-off code, so each contender is measured in its steady state, not its first.
    /// </summary>
    public int WarmupEvents { get; init; } = 40_000;

    /// <summary>
    /// How long, after each quarter of the first round's warm-up, the producer's core is left idle for the runtime's
    /// background JIT (zero: one warm-up, no pauses). While the producer and a spinning consumer hold both cores at
    /// FIFO that thread can hardly run, and tiering goes in steps that each need calls and then CPU time.
    /// </summary>
    public TimeSpan TierUpPause { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Spacing of latency-phase events (cyclictest's -i). Each event also waits for the previous one to be handled.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMicroseconds(25);

    /// <summary>
    /// Rounds the run is split into: each runs every contender for its share of the events and throughput time,
    /// in a rotated order, and each contender's figures pool its rounds. More than one keeps a drifting host
    /// (vCPUs that move, other tenants, thermal limits) from favouring whichever contender ran in a fast stretch.
    /// </summary>
    public int Rounds { get; init; } = 4;

    /// <summary>How long the throughput phase bursts (in all, over the rounds).</summary>
    public TimeSpan ThroughputDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most events in flight (produced, not yet handled): the producer waits above it, so nothing is dropped and memory stays bounded. Also the DPC ring size.</summary>
    public int InFlightLimit { get; init; } = 128;

    /// <summary>How long to wait for the consumer to catch up after a phase before counting the rest as lost.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The CPU of the producer (the ISR side).</summary>
    public int ProducerCpu { get; init; } = 1;

    /// <summary>The CPU of the consumer (the DPC worker, reader thread or spinner).</summary>
    public int ConsumerCpu { get; init; }

    /// <summary>
    /// Run the producer (FIFO 49), dedicated consumers (FIFO 45) and the DPC kernel's threads (its own priorities)
    /// under SCHED_FIFO, so other load cannot preempt them. Off by default: busy-spinning FIFO threads hold their
    /// cores (up to the kernel's RT throttling, 95% by default) for the whole run. Pool threads stay SCHED_OTHER.
    /// </summary>
    public bool Realtime { get; init; }

    public const int ProducerPriority = 49;

    public const int ConsumerPriority = 45;

    /// <summary>The kernel's spin window for dpc-spin-then-block; null keeps <see cref="KernelOptions.SpinDuration"/>'s default.</summary>
    public TimeSpan? SpinDuration { get; init; }

    /// <summary>Which contenders to run (names from <see cref="AllContenders"/>); null runs all.</summary>
    public IReadOnlyList<string>? Contenders { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LatencyEvents);
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupEvents);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(InFlightLimit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Rounds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Rounds, LatencyEvents);
        if (Contenders is not null)
        {
            foreach (var c in Contenders)
            {
                if (!AllContenders.Contains(c))
                {
                    throw new ArgumentException($"Unknown contender '{c}'; known: {string.Join(", ", AllContenders)}.", nameof(Contenders));
                }
            }
        }
    }
}
