using DpcPi.Gpio;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Labs.Framework;

/// <summary>
/// A lab on real pins: the lab's lines on the Pi's header chip (<see cref="LabPins"/>) through a GPIO
/// backend (the Linux uAPI v2 one on a Pi), and a DPC kernel with its ISR thread and one DPC worker, so a
/// driver's DPCs never run on two cores at once.
/// </summary>
public sealed class GpioBench : LabBench
{
    /// <summary>How long <see cref="Stop"/> waits for the DPCs queued before it (seconds on a loaded Pi; a stuck lab, for ever).</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private bool _started;
    private bool _stopped;

    public GpioBench(IGpioBackend backend, LabPins pins)
        : base(backend, (pins ?? throw new ArgumentNullException(nameof(pins))).Chip.Name, new DpcKernel(new KernelOptions
        {
            Processors = [ThreadControl.GetAllowedCpus()[^1]],
        }))
    {
        Pins = pins;
    }

    public LabPins Pins { get; }

    /// <summary>CLOCK_MONOTONIC, the clock of the kernel's edge timestamps.</summary>
    public static long NowNs => MonotonicClock.NowNs;

    /// <summary>Starts the ISR thread and the DPC worker; call after the lab has connected its interrupts.</summary>
    public void Start()
    {
        Kernel.Start(Controller);
        _started = true;
    }

    /// <summary>
    /// Waits until <paramref name="request"/> has read, or counted lost, <paramref name="expected"/> edges, for at most
    /// <paramref name="limit"/>: the ISR thread may lag the lines it watches (a jumper is instant on a Pi, a loaded
    /// machine is not), and an edge still in the kernel's queue at <see cref="Stop"/> would be neither. False when
    /// the limit passed first.
    /// </summary>
    public static bool WaitForEdges(GpioLineRequest request, long expected, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(request);
        var until = NowNs + (long)limit.TotalNanoseconds;
        while (request.TotalStatistics is var st && st.Delivered + st.Lost < expected)
        {
            if (NowNs >= until)
            {
                return false;
            }

            Thread.Sleep(5);
        }

        return true;
    }

    /// <summary>
    /// Edges driven into <paramref name="request"/>'s line that never became events, neither read nor counted lost:
    /// the kernel merged them because they came before its interrupt handling had taken the previous one (no
    /// event, no sequence number; on a Pi only edges microseconds apart, on a slow or emulated kernel more).
    /// </summary>
    public static long Unreported(GpioLineRequest request, long driven)
    {
        ArgumentNullException.ThrowIfNull(request);
        var st = request.TotalStatistics;
        return Math.Max(0, driven - st.Delivered - st.Lost);
    }

    /// <summary>The report's line for <see cref="Unreported"/> edges (empty when there are none).</summary>
    public static string UnreportedLine(long unreported) => unreported == 0
        ? string.Empty
        : $"{unreported} driven edges never became events: the kernel merged edges that came before it had handled the previous one (no event, no sequence number, so no one can count them lost).";

    /// <summary>Stops taking interrupts, runs every DPC already queued, then stops the threads.</summary>
    public void Stop()
    {
        if (!_started || _stopped)
        {
            return;
        }

        _stopped = true;
        try
        {
            Kernel.StopInterrupts();
            Kernel.FlushQueuedDpcs(StopTimeout); // a lab that ends must not hang on a DPC that does not
        }
        finally
        {
            Kernel.Stop();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Stop();
        }

        base.Dispose(disposing);
    }
}
