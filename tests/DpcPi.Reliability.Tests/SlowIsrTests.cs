using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Platform;
using DpcPi.Reporting;

namespace DpcPi.Reliability.Tests;

public sealed class SlowIsrTests
{
    [Fact]
    public void SlowIsr_RunsWhileAnotherVectorIsPending_CountedAndOtherVectorsEdgeToIsrGrowsInReport()
    {
        const long SpinAfterRaiseNs = 300_000;
        using var controller = new EpollInterruptController();
        using var slowSource = new SoftwareInterruptSource();
        using var fastSource = new SoftwareInterruptSource();
        controller.Register(slowSource.Handle, 1);
        controller.Register(fastSource.Handle, 2);
        using var kernel = new DpcKernel(new KernelOptions { Realtime = false, SlowIsrThresholdNs = 25_000 });
        var entered = 0;
        var raised = 0;
        var slow = kernel.ConnectInterrupt(1, (_, _, ref _) =>
        {
            Volatile.Write(ref entered, 1);
            while (Volatile.Read(ref raised) == 0)
            {
                Thread.SpinWait(10);
            }

            var until = MonotonicClock.NowNs + SpinAfterRaiseNs;
            while (MonotonicClock.NowNs < until)
            {
                Thread.SpinWait(10);
            }

            return true;
        }, null, slowSource, name: "slow");
        var fast = kernel.ConnectInterrupt(2, (_, _, ref _) => true, null, fastSource, name: "fast");
        // The interrupt's count, not the routine's: it is published after the ISR's figures are recorded.
        bool FastRan(long n) => Dpcpi.SpinUntil(() => fast.Count >= n, TimeSpan.FromSeconds(5));
        kernel.Start(controller);

        for (var i = 0; i < 50; i++)
        {
            fastSource.Raise();
            Assert.True(FastRan(i + 1));
        }

        var before = LatencyReport.FromKernel(kernel, new ReportContext { Source = "software" }).Vectors.Single(v => v.Vector == 2);
        var slowBefore = fast.EdgeToIsr.CountBetween(SpinAfterRaiseNs, long.MaxValue);
        var fastSlowBefore = fast.SlowIsrCount; // the first run includes JIT: only what the slow phase adds matters
        for (var i = 0; i < 20; i++)
        {
            Volatile.Write(ref entered, 0);
            Volatile.Write(ref raised, 0);
            slowSource.Raise();
            Assert.True(Dpcpi.SpinUntil(() => Volatile.Read(ref entered) == 1, TimeSpan.FromSeconds(5)), "the slow ISR never ran");
            fastSource.Raise(); // pending while the slow ISR holds the ISR thread
            Volatile.Write(ref raised, 1);
            Assert.True(FastRan(51 + i));
        }

        var report = LatencyReport.FromKernel(kernel, new ReportContext { Source = "software" });
        kernel.Stop();

        Assert.Equal(20, slow.SlowIsrCount);
        // The wait is not blamed on the fast vector's own ISR: blamed, all 20 waits would count. A non-realtime ISR
        // thread pre-empted on a busy 2-core CI machine adds a few of its own (the old limit of 5 depended on load).
        Assert.True(fast.SlowIsrCount - fastSlowBefore < 20, $"fast vector slow ISRs {fastSlowBefore} -> {fast.SlowIsrCount}");
        var slowVector = report.Vectors.Single(v => v.Vector == 1);
        var fastVector = report.Vectors.Single(v => v.Vector == 2);
        Assert.Equal("slow", slowVector.Name);
        Assert.Equal(20, slowVector.SlowIsrs);
        Assert.True(slowVector.IsrDuration.MinNs >= SpinAfterRaiseNs);
        Assert.Equal(fast.SlowIsrCount, fastVector.SlowIsrs);
        Assert.Equal(70, fastVector.Count);
        Assert.Equal(50, before.Count);
        // What the slow ISR cost the other vector is visible on that vector: 20 edge→ISR samples of 300 µs or more.
        Assert.True(fast.EdgeToIsr.CountBetween(SpinAfterRaiseNs, long.MaxValue) - slowBefore >= 20);
        Assert.True(fastVector.EdgeToIsr.MaxNs >= SpinAfterRaiseNs);
        Assert.True(fastVector.EdgeToIsr.P90Ns >= SpinAfterRaiseNs, $"p90 {fastVector.EdgeToIsr.P90Ns} ns");
        // The 20 waits add at least 20 x 300 µs to the vector's total edge→ISR time. (Comparing averages instead failed
        // under stress-ng: one pre-emption among the first 50 samples can lift the "before" average above the after.)
        var addedNs = fastVector.EdgeToIsr.AvgNs * fastVector.EdgeToIsr.Count - before.EdgeToIsr.AvgNs * before.EdgeToIsr.Count;
        Assert.True(addedNs >= 20.0 * SpinAfterRaiseNs * 0.99, $"edge→ISR time added {addedNs:F0} ns"); // 1 %: averages are rounded
    }
}
