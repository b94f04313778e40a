using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Measurement;

/// <summary>One core in a <see cref="KernelSnapshot"/>: its counters and (full detail) its stages over both lanes.</summary>
public sealed class CoreFigures
{
    internal CoreFigures(int cpu, bool histograms)
    {
        Cpu = cpu;
        EdgeToDpcStart = Figures.Histogram(histograms);
        QueueWait = Figures.Histogram(histograms);
        DpcDuration = Figures.Histogram(histograms);
    }

    public int Cpu { get; }

    /// <summary>The core's counters ("PRCB") when the snapshot was refreshed.</summary>
    public ProcessorStatistics Statistics { get; internal set; }

    /// <summary>Edge→DPC start over the normal and the threaded lane (full detail; empty otherwise).</summary>
    public LatencyHistogram EdgeToDpcStart { get; }

    /// <summary>Queue wait over both lanes (full detail).</summary>
    public LatencyHistogram QueueWait { get; }

    /// <summary>DPC duration over both lanes (full detail).</summary>
    public LatencyHistogram DpcDuration { get; }
}

/// <summary>One interrupt vector in a <see cref="KernelSnapshot"/>: its counters and (full detail) a still copy of its histograms.</summary>
public sealed class VectorFigures
{
    internal VectorFigures(Interrupt interrupt, bool histograms)
    {
        Interrupt = interrupt;
        EdgeToIsr = Figures.Histogram(histograms);
        IsrDuration = Figures.Histogram(histograms);
        EdgeToDpcStart = Figures.Histogram(histograms);
    }

    internal Interrupt Interrupt { get; }

    public int Vector => Interrupt.Vector;

    public string Name => Interrupt.Name;

    public Irql Irql => Interrupt.Irql;

    public long Count { get; internal set; }

    public long Unhandled { get; internal set; }

    public long SlowIsrs { get; internal set; }

    public long MaxIsrNs { get; internal set; }

    /// <summary>Edge→ISR entry of this vector (full detail; empty otherwise), and likewise below.</summary>
    public LatencyHistogram EdgeToIsr { get; }

    public LatencyHistogram IsrDuration { get; }

    public LatencyHistogram EdgeToDpcStart { get; }
}

/// <summary>One DPC routine in a <see cref="KernelSnapshot"/>: its counters and (full detail) a still copy of its execution time.</summary>
public sealed class DpcFigures
{
    internal DpcFigures(Dpc dpc, bool histograms)
    {
        Dpc = dpc;
        ExecutionTime = histograms ? new LatencyHistogram(dpc.ExecutionTime.SignificantDigits) : Figures.Empty;
    }

    internal Dpc Dpc { get; }

    public bool Threaded => Dpc.IsThreaded;

    public DpcStatistics Statistics { get; internal set; }

    /// <summary>Execution time of this routine (full detail; empty otherwise).</summary>
    public LatencyHistogram ExecutionTime { get; }
}

internal static class Figures
{
    /// <summary>What a totals-only snapshot shows for a per-object histogram: one empty 2-digit histogram (~30 KB) nobody writes.</summary>
    public static readonly LatencyHistogram Empty = new(significantDigits: 2);

    public static LatencyHistogram Histogram(bool full) => full ? new LatencyHistogram() : Empty;
}

/// <summary>An edge→DPC-start value at or above the outlier threshold, with the core and cycle it happened on.</summary>
public readonly record struct OutlierFigure(int Cpu, long Cycle, long LatencyNs);
