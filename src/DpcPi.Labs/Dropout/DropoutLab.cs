using System.Globalization;
using DpcPi.Gpio;
using DpcPi.Kernel;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Dropout;

/// <summary>
/// The drop-out lab's fake scenario: buffers every 1 ms processed in 200 µs each, and a "badnic" driver
/// whose 2.5 ms DPC runs on the same core every 40 ms. The report counts drop-outs and names the
/// routine with the longest DPC execution from the kernel's processor statistics, as a DPC latency
/// checker would.
/// </summary>
public sealed class DropoutLab : ILab
{
    public const int BufferLine = 16;
    public const int NicLine = 20;
    public const long PeriodNs = 1_000_000;
    public const long ProcessNs = 200_000;
    public const long NicPeriodNs = 40_000_000;
    public const long NicOffsetNs = 10_500_000;

    public int BufferCount { get; init; } = 200;

    public long NicDpcNs { get; init; } = 2_500_000;

    public string Name => "dropout";

    public string Title => "Audio drop-outs: one long DPC on the same core";

    public string Summary => "periodic buffer-ready interrupts vs a badly written driver's long DPC; counts drop-outs and names the culprit";

    public LabResult RunFake()
    {
        var clean = Run(withSlowDriver: false);
        var bad = Run(withSlowDriver: true);
        var b = new LabResult.Builder(Name).Line(Title).Line();
        b.Line($"{BufferCount} buffers, one every {PeriodNs / 1000} µs, {ProcessNs / 1000} µs of DPC work each; deadline: before the next buffer.");
        b.Line($"Alone:              {clean.Dropouts} drop-outs, worst buffer-ready→done {clean.WorstNs / 1000.0:0.0} µs.");
        b.Line($"With the bad driver: {bad.Dropouts} drop-outs, worst buffer-ready→done {bad.WorstNs / 1000.0:0.0} µs.");
        b.Line($"Late buffers: {string.Join(", ", bad.Late)}.");
        b.Line();
        b.Line(string.Create(CultureInfo.InvariantCulture, $"Culprit (longest DPC on CPU 0): {bad.Culprit}, {bad.CulpritNs / 1000.0:0.0} µs."));
        b.Line("routine                  runs   max (µs)   total (µs)");
        foreach (var s in bad.Routines)
        {
            b.Line(string.Create(CultureInfo.InvariantCulture, $"{s.Name,-22} {s.RunCount,6} {s.MaxExecutionNs / 1000.0,10:0.0} {s.TotalExecutionNs / 1000.0,12:0.0}"));
        }

        b.Line();
        b.Line("DPCs on a core run one after another at DISPATCH_LEVEL: while the bad DPC runs, the buffer's DPC");
        b.Line("waits, even though its ISR ran (and timestamped the buffer) on time. The fix belongs in the bad driver:");
        b.Line("do the minimum in its DPC and move the bulk to a threaded DPC or a work item.");
        return b.Figure("buffers", bad.Buffers)
            .Figure("drop-outs (alone)", clean.Dropouts)
            .Figure("drop-outs", bad.Dropouts)
            .Figure("worst buffer-ready to done", bad.WorstNs / 1000.0, "µs")
            .Figure("culprit max DPC", bad.CulpritNs / 1000.0, "µs")
            .Build();
    }

    /// <summary>One run; returns the counts and the culprit from the kernel's statistics.</summary>
    public DropoutRun Run(bool withSlowDriver)
    {
        using var bench = new FakeBench();
        var work = (Action<long>)(ns => bench.Clock.Advance(ns));
        var audio = new BufferDriver(bench.Kernel, PeriodNs, ProcessNs, work);
        var rising = GpioLineSettings.Input(PinEventTypes.Rising, GpioBias.PullDown);
        var buffers = bench.Request(new GpioLineRequestOptions("lab-audio").Add(BufferLine, rising));
        bench.ConnectGpio(1, buffers, BufferDriver.Isr, audio.Device, "audio buffer-ready");
        var t0 = bench.StartNs + 1_000_000;
        bench.Gpio.Schedule(FakeBench.Chip, BufferLine, SignalGenerators.SquareWave(t0, PeriodNs, 0.5, BufferCount));
        if (withSlowDriver)
        {
            var nic = new SlowDriver(bench.Kernel, "badnic", NicDpcNs, work);
            var irq = bench.Request(new GpioLineRequestOptions("lab-badnic").Add(NicLine, rising));
            bench.ConnectGpio(2, irq, SlowDriver.Isr, nic.Device, "badnic irq");
            var pulses = (int)(((BufferCount * PeriodNs) - NicOffsetNs + NicPeriodNs - 1) / NicPeriodNs);
            bench.Gpio.Schedule(FakeBench.Chip, NicLine, SignalGenerators.SquareWave(t0 + NicOffsetNs, NicPeriodNs, 0.01, pulses));
        }

        bench.RunUntil(t0 + (BufferCount * PeriodNs));
        var stats = bench.Kernel.Figures.GetProcessorStatistics(FakeBench.Cpu);
        var routines = bench.Kernel.Figures.Dpcs.Select(d => d.GetStatistics()).OrderByDescending(s => s.MaxExecutionNs).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
        return new DropoutRun(audio.Buffers, audio.Dropouts, audio.LateBuffers.ToArray(), audio.WorstCompletionNs, stats.MaxDpcRoutine ?? "(none)", stats.MaxDpcExecutionNs, routines);
    }

    public TimeSpan GpioDuration => TimeSpan.FromSeconds(2);

    /// <summary>
    /// On a Pi: DpcPi toggles buffer-clock at 1 kHz and nic-clock at 25 Hz (<see cref="SoftwareClock"/>); the
    /// jumpers make them the two interrupts, and each DPC's work is a busy wait as long as in the fake run.
    /// </summary>
    public LabResult RunGpio(GpioBench bench, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(bench);
        ArgumentNullException.ThrowIfNull(run);
        var work = (Action<long>)(ns =>
        {
            var until = GpioBench.NowNs + ns;
            while (GpioBench.NowNs < until)
            {
                Thread.SpinWait(20);
            }
        });
        var audio = new BufferDriver(bench.Kernel, PeriodNs, ProcessNs, work);
        var nic = new SlowDriver(bench.Kernel, "badnic", NicDpcNs, work);
        var rising = GpioLineSettings.Input(PinEventTypes.Rising, GpioBias.PullDown);
        var (bufferOut, nicOut) = (bench.Pins.Line("buffer-clock"), bench.Pins.Line("nic-clock"));
        var bufferReady = bench.Request(new GpioLineRequestOptions("lab-audio").Add(bench.Pins.Line("buffer-ready"), rising));
        var nicIrq = bench.Request(new GpioLineRequestOptions("lab-badnic").Add(bench.Pins.Line("nic-irq"), rising));
        bench.ConnectGpio(1, bufferReady, BufferDriver.Isr, audio.Device, "audio buffer-ready");
        bench.ConnectGpio(2, nicIrq, SlowDriver.Isr, nic.Device, "badnic irq");
        var outputs = bench.Request(new GpioLineRequestOptions("lab-dropout-clocks").Add(bufferOut, GpioLineSettings.Output()).Add(nicOut, GpioLineSettings.Output()));
        run.Progress.WriteLine($"Buffers every {PeriodNs / 1000} µs on {bench.Pins.Describe("buffer-clock")}, the bad driver's IRQ every {NicPeriodNs / 1_000_000} ms on {bench.Pins.Describe("nic-clock")}, for {run.Duration.TotalSeconds:0} s.");
        bench.Start();
        var start = GpioBench.NowNs + PeriodNs;
        var clocks = new SoftwareClock().Add(outputs, bufferOut, PeriodNs, PeriodNs / 2).Add(outputs, nicOut, NicPeriodNs, PeriodNs / 2);
        clocks.Run(start, start + (long)run.Duration.TotalNanoseconds, run.Cancellation);
        GpioBench.WaitForEdges(bufferReady, clocks.Cycles[0], TimeSpan.FromSeconds(2));
        GpioBench.WaitForEdges(nicIrq, clocks.Cycles[1], TimeSpan.FromSeconds(2));
        bench.Stop();
        var lost = bufferReady.TotalStatistics.Lost;
        var unreported = GpioBench.Unreported(bufferReady, clocks.Cycles[0]);
        var cpu = bench.Kernel.Processors[0];
        var stats = bench.Kernel.Figures.GetProcessorStatistics(cpu);
        var b = new LabResult.Builder(Name).Line(Title).Line();
        b.Line($"{clocks.Cycles[0]} buffer-ready edges driven: {audio.Buffers} buffers, {lost} lost in the kernel's queue, {unreported} unreported, {audio.Dropouts} drop-outs, worst buffer-ready→done {audio.WorstCompletionNs / 1000.0:0.0} µs.");
        b.Line(string.Create(CultureInfo.InvariantCulture, $"Culprit (longest DPC on CPU {cpu}): {stats.MaxDpcRoutine ?? "(none)"}, {stats.MaxDpcExecutionNs / 1000.0:0.0} µs."));
        b.Line().Line(audio.Buffers == 0 ? "No buffer interrupt arrived: are the jumpers 32→36 and 33→38 in place?" : "Drop-outs cluster every 40 ms, where the bad driver's DPC holds the core.");
        return b.Figure("buffer edges driven", clocks.Cycles[0])
            .Figure("buffers", audio.Buffers)
            .Figure("lost buffer edges", lost)
            .Figure("unreported buffer edges", unreported)
            .Figure("drop-outs", audio.Dropouts)
            .Figure("worst buffer-ready to done", audio.WorstCompletionNs / 1000.0, "µs")
            .Figure("culprit max DPC", stats.MaxDpcExecutionNs / 1000.0, "µs")
            .Build();
    }
}

/// <summary>The numbers of one drop-out run.</summary>
public sealed record DropoutRun(long Buffers, long Dropouts, IReadOnlyList<ulong> Late, long WorstNs, string Culprit, long CulpritNs, IReadOnlyList<DpcStatistics> Routines);
