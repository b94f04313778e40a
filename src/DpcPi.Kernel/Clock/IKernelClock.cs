namespace DpcPi.Kernel;

/// <summary>The kernel's time source in nanoseconds (CLOCK_MONOTONIC in production, a virtual clock in tests).</summary>
public interface IKernelClock
{
    long NowNs { get; }
}
