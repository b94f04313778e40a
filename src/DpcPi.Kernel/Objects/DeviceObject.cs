namespace DpcPi.Kernel;

/// <summary>
/// A device object: owns one DpcForIsr (IoInitializeDpcRequest) that its ISR requests with
/// <see cref="RequestDpc"/> (IoRequestDpc). Drivers may create further custom DPCs on the kernel.
/// The DpcForIsr routine receives this device as its deferred context.
/// </summary>
public sealed class DeviceObject
{
    internal DeviceObject(DpcKernel kernel, string name, DeferredRoutine dpcForIsr, object? extension)
    {
        Name = name;
        Extension = extension;
        DpcForIsr = kernel.InitializeDpc(dpcForIsr, this, name + ".DpcForIsr");
    }

    public string Name { get; }

    /// <summary>The driver's per-device state (the device extension).</summary>
    public object? Extension { get; }

    public Dpc DpcForIsr { get; }

    /// <summary>IoRequestDpc: queues the DpcForIsr; false when it was already queued (the request is coalesced).</summary>
    public bool RequestDpc(nint argument1 = 0, nint argument2 = 0) => DpcForIsr.Kernel.InsertQueueDpc(DpcForIsr, argument1, argument2);

    public override string ToString() => Name;
}
