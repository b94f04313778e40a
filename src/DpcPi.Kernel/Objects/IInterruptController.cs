namespace DpcPi.Kernel;

/// <summary>
/// The port the ISR thread blocks on: an epoll set of line-request descriptors and timerfds in
/// production, an in-memory queue in tests. Implementations live above the kernel.
/// </summary>
public interface IInterruptController
{
    /// <summary>Blocks until vectors are pending, <see cref="Wake"/> is called or the timeout passes; writes the pending vectors. Must not allocate.</summary>
    int WaitForInterrupts(Span<int> pendingVectors, int timeoutMs);

    /// <summary>Makes a blocked <see cref="WaitForInterrupts"/> return (used to stop the ISR thread).</summary>
    void Wake();
}
