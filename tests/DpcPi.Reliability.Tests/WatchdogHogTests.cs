using System.Diagnostics;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Reliability.Tests;

public sealed class WatchdogHogTests(ITestOutputHelper output)
{
    [Fact]
    public void Watchdog_DpcHogsItsCore_NamedByClockTickWhileRunningAndOtherCoreKeepsItsLatency()
    {
        var cpus = ThreadControl.GetAllowedCpus();
        if (cpus.Length < 2)
        {
            Assert.Skip("needs two CPUs: one for the hog, one that must keep its latency");
        }

        using var controller = new EpollInterruptController();
        using var clock = new TimerInterruptSource();
        using var kernel = new DpcKernel(new KernelOptions { Realtime = false, Processors = [cpus[0], cpus[1]], IsrProcessor = cpus[1], WatchdogDpcLimitNs = 2_000_000 });
        controller.Register(clock.Handle, 0);
        kernel.ConnectClockInterrupt(0, clock);
        kernel.Start(controller);
        clock.Start(MonotonicClock.NowNs + kernel.Timers.TickIntervalNs, kernel.Timers.TickIntervalNs);

        var hogRunning = 0;
        var release = 0;
        var hogReturned = 0;
        var hog = kernel.InitializeDpc((_, _, _, _) =>
        {
            Volatile.Write(ref hogRunning, 1);
            while (Volatile.Read(ref release) == 0)
            {
                Thread.SpinWait(50);
            }

            Volatile.Write(ref hogReturned, 1);
        }, name: "hog");
        hog.SetTargetProcessor(cpus[0]);
        using var ran = new ManualResetEventSlim(false);
        var victim = kernel.InitializeDpc((_, ctx, _, _) => ((ManualResetEventSlim)ctx!).Set(), ran, name: "other-core");
        victim.SetTargetProcessor(cpus[1]);

        double[] Measure(int count)
        {
            var samples = new double[count];
            for (var i = 0; i < count; i++)
            {
                ran.Reset();
                var t0 = Stopwatch.GetTimestamp();
                Assert.True(kernel.InsertQueueDpc(victim));
                Assert.True(ran.Wait(TimeSpan.FromSeconds(5)), $"DPC {i} on CPU {cpus[1]} did not run");
                samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }

            Array.Sort(samples);
            return samples;
        }

        var recorded = kernel.GetRecorder(cpus[1])[LatencyStage.EdgeToDpcStart];
        var atStart = recorded.Snapshot();
        var baseline = Measure(200);
        var beforeHog = recorded.Snapshot();
        kernel.InsertQueueDpc(hog);
        Assert.True(Dpcpi.SpinUntil(() => Volatile.Read(ref hogRunning) == 1, TimeSpan.FromSeconds(10)), "the hog never started");

        var seen = new List<KernelEvent>();
        Assert.True(Dpcpi.SpinUntil(() =>
        {
            seen.AddRange(kernel.DrainEvents());
            return seen.Any(e => e.Kind == "watchdog" && e.Routine == "hog");
        }, TimeSpan.FromSeconds(10)), "the clock tick never reported the hog");
        Assert.Equal(0, Volatile.Read(ref hogReturned)); // named while it runs: it cannot return before we release it

        var duringStart = recorded.Snapshot();
        var during = Measure(200);
        Assert.Equal(0, Volatile.Read(ref hogReturned)); // the other core's 200 DPCs ran while the hog spun
        var duringEnd = recorded.Snapshot();
        var hogStats = kernel.GetProcessorStatistics(cpus[0]);
        Volatile.Write(ref release, 1);
        kernel.FlushQueuedDpcs();
        seen.AddRange(kernel.DrainEvents());

        // Filter by routine: on a loaded machine a DPC on the other core may also be preempted past
        // the limit, which the watchdog rightly reports; the hog must be named exactly once.
        var single = Assert.Single(seen, e => e.Kind == "watchdog" && e.Routine == "hog" && e.Message.Contains("(single DPC)", StringComparison.Ordinal));
        Assert.Equal("hog", single.Routine);
        Assert.Equal(cpus[0], single.Cpu);
        Assert.Contains($"hog on CPU {cpus[0]} has run ", single.Message, StringComparison.Ordinal);
        Assert.Contains("(limit 2000.0 µs)", single.Message, StringComparison.Ordinal);
        Assert.Equal(1, hogStats.WatchdogPerDpcViolations);
        Assert.True(hog.GetStatistics().MaxExecutionNs > 2_000_000);

        static double P(double[] s, double p) => s[(int)Math.Min(s.Length - 1, Math.Ceiling(p / 100 * s.Length) - 1)];
        output.WriteLine($"other core insert→run: before p50 {P(baseline, 50):F0} µs p99 {P(baseline, 99):F0} µs; during hog p50 {P(during, 50):F0} µs p99 {P(during, 99):F0} µs; hog ran {hog.GetStatistics().MaxExecutionNs / 1e6:F1} ms");
        // The kernel's own insert→DPC start on the other core (what its DPCs see, apart from how the test thread
        // itself is scheduled next to the hog) stays in the same range while the hog spins.
        var (p99Before, maxBefore, nBefore) = DpcPi.Cli.Commands.SoakCommand.WindowStatistics(atStart, beforeHog);
        var (p99During, maxDuring, nDuring) = DpcPi.Cli.Commands.SoakCommand.WindowStatistics(duringStart, duringEnd);
        output.WriteLine($"other core insert→DPC start (kernel): before p99 {p99Before / 1000.0:F1} µs max {maxBefore / 1000.0:F1} µs; during hog p99 {p99During / 1000.0:F1} µs max {maxDuring / 1000.0:F1} µs");
        Assert.Equal(200, nBefore);
        // All 200 of the other core's DPCs ran while the hog was still spinning: the hog did not take
        // the other core's queue down with it. How fast they ran is a figure (printed above), not a
        // test: on a loaded 2-core CI machine it swings by milliseconds (see dpcpi bench for timings).
        Assert.Equal(200, nDuring);
    }
}
