using DpcPi.TestSupport;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>The clock and timer interrupts connected as ISRs, serviced by the ISR loop.</summary>
public sealed class ClockInterruptTests
{
    [Fact]
    public void ConnectClockInterrupt_Event_RunsClockTickAtClockIrqlAndExpiresTimers()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var controller = new TestInterruptController();
        using var kernel = TimerKit.Manual(clock, TimerMode.PeriodicTick, tickNs: 1_000_000);
        var irql = Irql.Passive;
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(700_000), 0, dpc);
        kernel.ConnectInterrupt(9, (_, _, ref _) =>
        {
            irql = DpcKernel.CurrentIrql;
            return true;
        }, null, controller, Irql.Clock, "probe");

        var interrupt = kernel.ConnectClockInterrupt(8, controller);
        clock.Advance(1_000_000);
        controller.Raise(8, clock.NowNs);
        controller.Raise(9, clock.NowNs);
        kernel.PollInterrupts(controller);
        clock.Advance(100_000);
        kernel.RunDpcs(kernel.IsrProcessor);

        Assert.Equal(Irql.Clock, interrupt.Irql);
        Assert.Equal(Irql.Clock, irql);
        Assert.Equal("clock", interrupt.Name);
        Assert.Equal(1, interrupt.Count);
        Assert.Equal(1, kernel.ClockTicks);
        Assert.Equal(1, timer.ExpirationCount);
        // The timer DPC was queued inside the clock ISR: its expiry→DPC latency is also the clock vector's.
        Assert.Equal(400_000, interrupt.EdgeToDpcStart.Max);
        Assert.Equal(400_000, kernel.GetRecorder(kernel.IsrProcessor)[LatencyStage.EdgeToDpcStart].Max);
    }

    [Fact]
    public void ConnectTimerInterrupt_Event_ExpiresTimersDueByIsrEntry()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var controller = new TestInterruptController();
        using var kernel = TimerKit.Manual(clock, TimerMode.HighResolution);
        var runs = new List<(long Arg1, long Arg2, long AtNs)>();
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(50_000), 0, TimerKit.Recording(kernel, runs));
        var interrupt = kernel.ConnectTimerInterrupt(7, controller);
        var programmed = kernel.Timers.NextHardwareExpiryNs;

        // The timerfd fires at the programmed instant; the ISR thread wakes 200 ns later.
        clock.Set(programmed + 200);
        controller.Raise(7, programmed);
        kernel.PollInterrupts(controller);
        clock.Advance(300);
        kernel.RunDpcs(kernel.IsrProcessor);

        Assert.Equal(Irql.Clock, interrupt.Irql);
        Assert.Equal(1, timer.ExpirationCount);
        Assert.Equal(programmed, runs.Single().Arg1);
        Assert.Equal(200, interrupt.EdgeToIsr.Max);
        Assert.Equal(500, interrupt.EdgeToDpcStart.Max);
        Assert.Equal(long.MaxValue, kernel.Timers.NextHardwareExpiryNs);
    }

    [Fact]
    public void KernelOptions_InvalidTickInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpcKernel(new KernelOptions { Processors = [0], StartThreads = false, ClockTickIntervalNs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpcKernel(new KernelOptions { Processors = [0], StartThreads = false, TimerMode = (TimerMode)7 }));
    }
}
