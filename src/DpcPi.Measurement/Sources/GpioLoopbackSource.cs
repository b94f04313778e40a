using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Measurement;

/// <summary>
/// The gpio source: a real input line (or a gpio-sim line) taking edges that the <see cref="ExternalStimulus"/>
/// process makes on a wired output line or through a gpio-sim pull file.
/// </summary>
internal sealed class GpioLoopbackSource(LatencySessionOptions options) : GpioLineSource
{
    private readonly LinuxGpioBackend _backend = new();
    private ExternalStimulus? _external;

    public override long Generated => _external?.Generated ?? 0;

    public override bool StimulusDone => _external?.HasExited ?? false;

    public override string? StimulusSummary => _external?.Summary;

    public override string ColdStartHint => options.DriveSysfs is null
        ? $"; is output line {options.OutputLine} wired to input line {options.InputLine}?"
        : string.Empty;

    public override Interrupt Connect(DpcKernel kernel, EpollInterruptController controller, InterruptServiceRoutine isr, DeviceObject device)
    {
        if (options.DriveSysfs is { } pull)
        {
            // The line starts low, so the stimulus's first write is a rising edge (no edge if it already is).
            File.WriteAllText(pull, "pull-down");
        }

        // The stimulus process drives the output line, so this process requests the input only.
        return OpenLines(_backend, options.Chip, options.InputLine, outputLine: null, kernel, controller, isr, device);
    }

    public override void Start(long startedNs)
    {
        // A separate process: see ExternalStimulus for why the edges never come from this one.
        _external = ExternalStimulus.Start(
            ExternalStimulus.Locate(options.StimulusPath),
            options.DriveSysfs,
            options.DriveSysfs is null ? _backend.GetChip(options.Chip).Path : null,
            options.OutputLine,
            options.IntervalNs,
            options.Loops);
    }

    public override void Stop() => _external?.Stop();

    public override void Dispose()
    {
        base.Dispose();
        _external?.Dispose();
    }
}
