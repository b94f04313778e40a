using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Labs.Framework;

/// <summary>
/// A deterministic bench for fake lab scenarios: a fake GPIO chip and a manual DPC kernel (no threads,
/// no real-time, one core) on one virtual timeline. <see cref="RunUntil"/> plays the scheduled signal
/// event by event: the edges due by now are applied with their own timestamps, the ISR pass runs
/// <see cref="IsrDelayNs"/> later, the DPC drain <see cref="DpcDelayNs"/> after that; DPC routines may
/// advance <see cref="Clock"/> to model their execution time. Every figure is therefore exact.
/// </summary>
public sealed class FakeBench : LabBench
{
    public const string Chip = "gpiochip0";
    public const int Cpu = 0;
    private readonly ManualClock _gpioClock;

    public FakeBench(long startNs = 1_000_000_000, long isrDelayNs = 2_000, long dpcDelayNs = 3_000)
        : this(startNs, isrDelayNs, dpcDelayNs, new ManualClock(startNs), new VirtualClock(startNs))
    {
    }

    private FakeBench(long startNs, long isrDelayNs, long dpcDelayNs, ManualClock gpioClock, VirtualClock clock)
        : base(NewChip(gpioClock), Chip, new DpcKernel(new KernelOptions
        {
            Processors = [Cpu],
            StartThreads = false,
            Realtime = false,
            Pin = false,
            Clock = clock,
        }))
    {
        StartNs = startNs;
        IsrDelayNs = isrDelayNs;
        DpcDelayNs = dpcDelayNs;
        _gpioClock = gpioClock;
        Clock = clock;
        Gpio = (FakeGpioBackend)Backend;
    }

    public long StartNs { get; }

    /// <summary>Edge → ISR on this bench.</summary>
    public long IsrDelayNs { get; }

    /// <summary>ISR → DPC start on this bench (when the core is free).</summary>
    public long DpcDelayNs { get; }

    public VirtualClock Clock { get; }

    public FakeGpioBackend Gpio { get; }

    public long NowNs => Clock.NowNs;

    /// <summary>Moves both clocks forward to <paramref name="ns"/> (never back).</summary>
    public void AdvanceTo(long ns)
    {
        if (ns > Clock.NowNs)
        {
            Clock.Set(ns);
        }

        var delta = Clock.NowNs - _gpioClock.NowNs;
        if (delta > 0)
        {
            _gpioClock.Advance(delta);
        }
    }

    /// <summary>Plays every scheduled change up to <paramref name="endNs"/>, servicing interrupts and DPCs after each.</summary>
    public void RunUntil(long endNs)
    {
        while (Gpio.NextScheduledNs is { } next && next <= endNs)
        {
            AdvanceTo(next);
            Gpio.RunUntil(Clock.NowNs);
            Service();
        }

        AdvanceTo(endNs);
    }

    /// <summary>When an edge is pending: one ISR pass <see cref="IsrDelayNs"/> later and one DPC drain <see cref="DpcDelayNs"/> after it.</summary>
    public void Service()
    {
        Span<int> pending = stackalloc int[8];
        if (Controller.WaitForInterrupts(pending, 0) == 0)
        {
            return; // nothing reached a watched line yet (an edge still travelling on a wire)
        }

        AdvanceTo(Clock.NowNs + IsrDelayNs);
        while (Kernel.PollInterrupts(Controller, 0) > 0)
        {
        }

        AdvanceTo(Clock.NowNs + DpcDelayNs);
        Kernel.RunDpcs(Cpu);
    }

    private static FakeGpioBackend NewChip(ManualClock clock)
    {
        var gpio = new FakeGpioBackend(clock.Read);
        gpio.AddChip(Chip, "fake-bench", 54);
        return gpio;
    }
}
