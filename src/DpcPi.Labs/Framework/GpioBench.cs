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

    /// <summary>Stops taking interrupts, runs every DPC already queued, then stops the threads.</summary>
    public void Stop()
    {
        if (!_started || _stopped)
        {
            return;
        }

        _stopped = true;
        Kernel.StopInterrupts();
        Kernel.FlushQueuedDpcs();
        Kernel.Stop();
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
