namespace DpcPi.Platform;

/// <summary>Whether the PM QoS CPU latency request was held during a run, and in words why not.</summary>
public sealed record CpuDmaLatencyStatus(bool Held, string Detail);

/// <summary>
/// A PM QoS request on /dev/cpu_dma_latency, as cyclictest --latency holds it: open, write a 32-bit 0 (µs) and keep the
/// descriptor open, so no CPU enters an idle state whose exit takes longer. Closing the descriptor drops the request.
/// Without permission (not root) or without the device the run goes on and <see cref="Status"/> says why.
/// </summary>
public sealed class CpuDmaLatency : IDisposable
{
    /// <summary>The PM QoS device cyclictest uses.</summary>
    public const string DevicePath = "/dev/cpu_dma_latency";

    private readonly FileDescriptorHandle? _handle;

    private CpuDmaLatency(FileDescriptorHandle? handle, CpuDmaLatencyStatus status)
    {
        _handle = handle;
        Status = status;
    }

    public CpuDmaLatencyStatus Status { get; }

    /// <summary>Asks for <paramref name="microseconds"/> of wake-up latency at most until disposed; never throws for a device that is missing or refused.</summary>
    public static unsafe CpuDmaLatency Hold(string path = DevicePath, int microseconds = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(microseconds);
        FileDescriptorHandle handle;
        try
        {
            handle = FileDescriptorHandle.Open(path, Libc.O_RDWR);
        }
        catch (PlatformException e)
        {
            return new CpuDmaLatency(null, new CpuDmaLatencyStatus(false, $"not held: {e.Message}"));
        }

        var value = microseconds;
        if (Libc.Write(handle.Fd, &value, sizeof(int)) != sizeof(int))
        {
            var e = PlatformException.FromLastError($"cannot write {path}");
            handle.Dispose();
            return new CpuDmaLatency(null, new CpuDmaLatencyStatus(false, $"not held: {e.Message}"));
        }

        return new CpuDmaLatency(handle, new CpuDmaLatencyStatus(true, $"held at {microseconds} µs ({path} kept open during the measured run)"));
    }

    public void Dispose() => _handle?.Dispose();
}
