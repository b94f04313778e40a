using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

internal static class KernelFactory
{
    /// <summary>A kernel with no threads: the test is the ISR thread and every worker.</summary>
    public static DpcKernel Manual(int[]? cpus = null, int minimumRate = 0, int maxDepth = 4, IKernelClock? clock = null) => new(new KernelOptions
    {
        Processors = cpus ?? [0, 1],
        IsrProcessor = (cpus ?? [0, 1])[^1],
        StartThreads = false,
        Realtime = false,
        Pin = false,
        MinimumDpcRate = minimumRate,
        MaximumDpcQueueDepth = maxDepth,
        Clock = clock ?? MonotonicKernelClock.Instance,
    });

    /// <summary>A kernel with real workers on CPUs 0 and 1 (SCHED_OTHER so tests never starve the machine).</summary>
    public static DpcKernel Threaded(DpcWaitStrategy strategy = DpcWaitStrategy.Blocking, bool realtime = false, IInterruptController? controller = null, Action<KernelOptions>? configure = null)
    {
        var cpus = Environment.ProcessorCount >= 2 ? new[] { 0, 1 } : new[] { 0 };
        var options = new KernelOptions
        {
            Processors = cpus,
            Realtime = realtime,
            Pin = true,
            WaitStrategy = strategy,
            MinimumDpcRate = 0,
        };
        configure?.Invoke(options);
        var kernel = new DpcKernel(options);
        kernel.Start(controller);
        return kernel;
    }

    public static int OtherCpu(DpcKernel kernel, int cpu) => kernel.Processors.First(c => c != cpu);
}
