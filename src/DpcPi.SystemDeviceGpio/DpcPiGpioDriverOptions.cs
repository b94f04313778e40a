using DpcPi.Gpio;
using DpcPi.Kernel;

namespace DpcPi.SystemDeviceGpio;

/// <summary>Settings of a <see cref="DpcPiGpioDriver"/>; the defaults suit a Raspberry Pi.</summary>
public sealed class DpcPiGpioDriverOptions
{
    /// <summary>The default per-pin edge ring: as deep as the kernel's largest event buffer.</summary>
    public const int DefaultEventRingCapacity = 1024;

    /// <summary>The consumer label the kernel shows for the driver's lines (at most 31 bytes).</summary>
    public string Consumer { get; init; } = "dpcpi-gpio";

    /// <summary>
    /// Edges the ISR can queue per pin for its DPC before it has to count them as lost (a power of two).
    /// Only a DPC that runs late or callbacks slower than the edge rate fill it.
    /// </summary>
    public int EventRingCapacity { get; init; } = DefaultEventRingCapacity;

    /// <summary>The kernel's edge-event buffer per pin (1..1024 events).</summary>
    public int KernelEventBufferSize { get; init; } = GpioLineRequestOptions.DefaultEventBufferSize;

    /// <summary>
    /// The DPC kernel's settings (SCHED_FIFO, pinning, wait strategy); null takes <see cref="DefaultKernel"/>.
    /// <see cref="KernelOptions.StartThreads"/> must stay true: the driver needs its ISR thread and workers.
    /// </summary>
    public KernelOptions? Kernel { get; init; }

    /// <summary>
    /// The driver's own kernel defaults: a pin's DpcForIsr runs on the ISR thread once the edges are dispatched
    /// (<see cref="KernelOptions.RunLocalDpcsOnIsrThread"/>: Windows' DPC at IRQL drop, no worker wake-up) and no
    /// thread is pinned, so the scheduler wakes the ISR thread where the GPIO interrupt was handled. Measured
    /// against DpcPi's general defaults (a worker per pinned core) in the VM tiers' System.Device.Gpio comparison:
    /// p50 write->callback 0.92-1.29x LibGpiodDriver's against 0.89-1.81x, better in 5 of 6 runs
    /// (docs/system-device-gpio-comparison.md). A callback then delays the reading of the next edges while it runs;
    /// they wait in the kernel's buffer, and the DPC watchdog still reports a slow one.
    /// </summary>
    public static KernelOptions DefaultKernel() => new() { RunLocalDpcsOnIsrThread = true, Pin = false };

    /// <summary>
    /// Reuse one <see cref="DpcPiPinValueChangedEventArgs"/> per pin and edge type instead of allocating one
    /// per edge. Only for callbacks that never keep the arguments past their return (the values change
    /// with the next edge); then delivery allocates nothing at all. Default false: a new object per edge.
    /// </summary>
    public bool ReuseEventArgs { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Consumer) || System.Text.Encoding.UTF8.GetByteCount(Consumer) > 31)
        {
            throw new ArgumentException($"The consumer label \"{Consumer}\" must be 1 to 31 bytes: the kernel shows it to whoever finds a line busy.");
        }

        if (EventRingCapacity < 1 || (EventRingCapacity & (EventRingCapacity - 1)) != 0)
        {
            throw new ArgumentException($"EventRingCapacity {EventRingCapacity} must be a power of two (1, 2, 4, ... 1024, ...).");
        }

        if (KernelEventBufferSize is < 1 or > GpioLineRequestOptions.MaxEventBufferSize)
        {
            throw new ArgumentException($"KernelEventBufferSize {KernelEventBufferSize} is outside 1..{GpioLineRequestOptions.MaxEventBufferSize} (the kernel's maximum).");
        }

        if (Kernel is { StartThreads: false })
        {
            throw new ArgumentException("KernelOptions.StartThreads must be true: the driver's edges need the ISR thread and the DPC workers.");
        }
    }
}
