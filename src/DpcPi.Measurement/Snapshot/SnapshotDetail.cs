namespace DpcPi.Measurement;

/// <summary>How much of the kernel a <see cref="KernelSnapshot"/> copies on each refresh.</summary>
public enum SnapshotDetail
{
    /// <summary>The five merged stages, the counters of every core, vector and DPC, and the per-second maxima: what live views, metrics and soak read several times a second.</summary>
    Totals,

    /// <summary>Also each core's, vector's and DPC's own histograms, the outliers and the first edges: what a report reads once.</summary>
    Full,
}
