using DpcPi.Gpio;

namespace DpcPi.Measurement;

/// <summary>
/// The edges of the sources that take them on a real line (gpio, sdg): the <see cref="ExternalStimulus"/> process
/// drives a wired output line, or a gpio-sim pull file, at the run's interval.
/// </summary>
internal sealed class LineStimulus(LatencySessionOptions options) : IDisposable
{
    private ExternalStimulus? _external;

    public long Generated => _external?.Generated ?? 0;

    public bool Done => _external?.HasExited ?? false;

    public string? Summary => _external?.Summary;

    public string ColdStartHint => options.DriveSysfs is null
        ? $"; is output line {options.OutputLine} wired to input line {options.InputLine}?"
        : string.Empty;

    /// <summary>Before the input is opened: a gpio-sim line starts low, so the first write is a rising edge.</summary>
    public void PrepareLine()
    {
        if (options.DriveSysfs is { } pull)
        {
            File.WriteAllText(pull, "pull-down");
        }
    }

    /// <summary>Starts the stimulus process: see <see cref="ExternalStimulus"/> for why the edges never come from this one.</summary>
    public void Start(IGpioBackend backend) =>
        _external = ExternalStimulus.Start(
            ExternalStimulus.Locate(options.StimulusPath),
            options.DriveSysfs,
            options.DriveSysfs is null ? backend.GetChip(options.Chip).Path : null,
            options.OutputLine,
            options.IntervalNs,
            options.Loops);

    public void Stop() => _external?.Stop();

    public void Dispose() => _external?.Dispose();
}
