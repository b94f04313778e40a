using System.Globalization;

namespace DpcPi.Measurement;

/// <summary>The settings <see cref="LatencySessionOptions.Validate"/> judges; each front-end names them its own way (a flag, a configuration key).</summary>
public enum LatencySetting
{
    Interval,
    OutputLine,
    DriveSysfs,
    Stimulus,
    Wiring,
    CallbackSource,
    FlightRecorder,
    FakeLatency,
}

/// <summary>A latency setting that is not valid: which one, its value and what is allowed.</summary>
public sealed class LatencyOptionsException : ArgumentException
{
    public LatencyOptionsException(LatencySetting setting, object value, string allowed)
        : base(string.Create(CultureInfo.InvariantCulture, $"{setting} = {value} is not valid; allowed: {allowed}"))
    {
        Setting = setting;
        Value = Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
        Allowed = allowed;
    }

    public LatencyOptionsException()
    {
        Value = Allowed = string.Empty;
    }

    public LatencyOptionsException(string message)
        : base(message)
    {
        Value = Allowed = string.Empty;
    }

    public LatencyOptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Value = Allowed = string.Empty;
    }

    public LatencySetting Setting { get; }

    /// <summary>The value as given (µs for <see cref="LatencySetting.Interval"/>).</summary>
    public string Value { get; }

    public string Allowed { get; }
}
