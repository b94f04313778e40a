using DpcPi.Kernel;
using DpcPi.TestSupport;

namespace DpcPi.Kernel.Tests;

/// <summary>
/// Bytes the ISR thread and a DPC worker allocate over 10,000 interrupts after 2,000 of warm-up, each thread measuring
/// itself at marker sequences (GC.GetAllocatedBytesForCurrentThread counts only the calling thread). Shared by the
/// suites that prove the threaded hot path allocation-free, with and without the flight recorder.
/// </summary>
internal static class RealThreadAllocations
{
    public const int Warmup = 2_000;
    public const int Measured = 10_000;

    /// <summary>Runs the interrupts one at a time on <paramref name="kernel"/> (started on <paramref name="controller"/>); returns (ISR bytes, DPC bytes).</summary>
    public static (long IsrBytes, long DpcBytes) Measure(DpcKernel kernel, TestInterruptController controller)
    {
        long isrStart = 0, isrEnd = 0, dpcStart = 0, dpcEnd = 0;
        using var done = new ManualResetEventSlim();
        var device = kernel.CreateDevice("dev", (_, _, seq, _) =>
        {
            if (seq == Warmup)
            {
                dpcStart = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (seq == Warmup + Measured)
            {
                dpcEnd = GC.GetAllocatedBytesForCurrentThread();
                done.Set();
            }
        });
        device.DpcForIsr.SetTargetProcessor(kernel.Processors[0]);
        device.DpcForIsr.SetImportance(DpcImportance.High);
        kernel.ConnectInterrupt(1, (_, ctx, ref f) =>
        {
            if (f.Sequence == Warmup)
            {
                isrStart = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (f.Sequence == Warmup + Measured)
            {
                isrEnd = GC.GetAllocatedBytesForCurrentThread();
            }

            return ((DeviceObject)ctx!).RequestDpc((nint)f.Sequence);
        }, device, controller);

        for (var i = 0; i < Warmup + Measured; i++)
        {
            // One interrupt at a time so no insert coalesces and the marker sequences always run.
            var target = device.DpcForIsr.GetStatistics().RunCount + 1;
            controller.Raise(1, kernel.Clock.NowNs);
            var spin = new SpinWait();
            while (device.DpcForIsr.GetStatistics().RunCount < target)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        Assert.True(done.Wait(TimeSpan.FromSeconds(30)));
        return (isrEnd - isrStart, dpcEnd - dpcStart);
    }
}
