using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.TestSupport;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>Timer expiry → DPC insert → DPC run must allocate nothing, in both modes.</summary>
public sealed class TimerAllocationTests
{
    [Theory]
    [InlineData(TimerMode.HighResolution)]
    [InlineData(TimerMode.PeriodicTick)]
    public void TimerExpiryToDpc_SteadyState_AllocatesZeroBytes(TimerMode mode)
    {
        const long period = 1_000;
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock, mode, tickNs: period);
        var runs = 0L;
        var dpc = kernel.InitializeDpc((_, _, _, _) => runs++);
        var timers = new KernelTimer[8];
        for (var i = 0; i < timers.Length; i++)
        {
            timers[i] = kernel.InitializeTimer($"t{i}");
            var d = i == 0 ? dpc : kernel.InitializeDpc((_, _, _, _) => runs++);
            kernel.SetCoalescableTimer(timers[i], TimerDueTime.Relative(period + (i * 10)), period, i % 2 == 0 ? 0 : 100, d);
        }

        var isr = kernel.IsrProcessor;

        void Cycle(int n)
        {
            for (var i = 0; i < n; i++)
            {
                clock.Advance(period);
                if (mode == TimerMode.PeriodicTick)
                {
                    kernel.ClockTick();
                }
                else
                {
                    clock.Advance(100);
                    kernel.Timers.ExpireTimers(clock.NowNs);
                }

                kernel.RunDpcs(isr);
            }
        }

        // Steady state as in AllocationTests: three consecutive zero-byte rounds after tier-up.
        Cycle(2_000);
        var rounds = AllocationRounds.Measure(() => Cycle(5_000));

        Assert.True(rounds.Steady, $"bytes allocated per round of 5,000 expiry passes: {rounds}");
        Assert.True(runs >= (2_000 + (rounds.Count * 5_000)) * 8L - 8, $"runs {runs}");
        Assert.Equal(runs, kernel.MergeStage(LatencyStage.EdgeToDpcStart).TotalCount);
    }
}
