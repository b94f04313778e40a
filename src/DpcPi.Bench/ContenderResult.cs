namespace DpcPi.Bench;

/// <summary>One contender's figures: hand-off latency (ns) from the paced phase, throughput from the burst phase, allocation per interrupt.</summary>
public sealed record ContenderResult
{
    public required string Name { get; init; }

    public required long Count { get; init; }

    public required long MinNs { get; init; }

    public required double AvgNs { get; init; }

    public required long P50Ns { get; init; }

    public required long P90Ns { get; init; }

    public required long P99Ns { get; init; }

    public required long P999Ns { get; init; }

    public required long MaxNs { get; init; }

    /// <summary>Latency-phase events produced but never handled.</summary>
    public required long Lost { get; init; }

    public required double ThroughputPerSecond { get; init; }

    public required long ThroughputProduced { get; init; }

    public required long ThroughputHandled { get; init; }

    public long ThroughputLost => ThroughputProduced - ThroughputHandled;

    /// <summary>Bytes allocated by the whole process per measured interrupt (both phases, after warm-up).</summary>
    public required double BytesPerInterrupt { get; init; }

    /// <summary>
    /// For the DPC kernel: its own queued→DPC start stamps over the latency phases (p50, p99, ns). The rest of the
    /// hand-off is the insert up to its queued stamp and the call after the start stamp. Null for the others.
    /// </summary>
    public long? QueueWaitP50Ns { get; init; }

    public long? QueueWaitP99Ns { get; init; }

    /// <summary>How many runs the queued→DPC start figures cover: every latency-phase event, when the phases were fenced right.</summary>
    public long? QueueWaitCount { get; init; }

    /// <summary>
    /// The share of the producer's and consumer's CPU time the hypervisor gave to others during this contender's rounds
    /// (/proc/stat steal, %): on a VM, figures taken under steal measure the host too. Null where unknown.
    /// </summary>
    public double? StealPercent { get; init; }

    /// <summary>The p50 of each round (ns), in round order; one entry when the run had one round.</summary>
    public IReadOnlyList<long> RoundP50Ns { get; init; } = [];

    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Nothing lost in either phase.</summary>
    public bool NothingLost => Lost == 0 && ThroughputLost == 0;
}
