using DpcPi.Platform;

namespace DpcPi.Kernel;

/// <summary>CLOCK_MONOTONIC: the same clock as the kernel's GPIO edge timestamps and timerfd.</summary>
public sealed class MonotonicKernelClock : IKernelClock
{
    public static MonotonicKernelClock Instance { get; } = new();

    public long NowNs => MonotonicClock.NowNs;
}
