namespace DpcPi.Measurement.Tests;

public sealed class LatencySessionOptionsTests
{
    [Fact]
    public void Defaults_AreValidAndTheTimerSource()
    {
        var options = new LatencySessionOptions();

        options.Validate();
        Assert.Equal(LatencySource.Timer, options.Source);
        Assert.Equal(LatencySessionOptions.DefaultSource, options.Source);
    }

    public static TheoryData<LatencySource, Action<LatencySessionOptions>, LatencySetting> Invalid => new()
    {
        { LatencySource.Fake, o => o.IntervalNs = 15_000, LatencySetting.Interval },
        { LatencySource.Timer, o => o.IntervalNs = 5_000, LatencySetting.Interval },
        { LatencySource.Timer, o => o.DriveSysfs = "/sys/x", LatencySetting.DriveSysfs },
        { LatencySource.Fake, o => o.StimulusPath = "/bin/true", LatencySetting.Stimulus },
        { LatencySource.Timer, o => o.WiringFile = "/nonexistent/wiring.json", LatencySetting.Wiring },
        { LatencySource.Fake, o => o.WiringFile = "/nonexistent/wiring.json", LatencySetting.Wiring },
        { LatencySource.Fake, o => o.OutputLine = o.InputLine, LatencySetting.OutputLine },
        { LatencySource.Gpio, o => o.OutputLine = o.InputLine, LatencySetting.OutputLine },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_Invalid_NamesTheSetting(LatencySource source, Action<LatencySessionOptions> spoil, LatencySetting setting)
    {
        var options = new LatencySessionOptions { Source = source };
        spoil(options);

        var ex = Assert.Throws<LatencyOptionsException>(options.Validate);
        Assert.Equal(setting, ex.Setting);
    }

    [Fact]
    public void Validate_SameLinesOnTheTimerOrWithAPullFile_IsFine()
    {
        new LatencySessionOptions { Source = LatencySource.Timer, OutputLine = 27 }.Validate();
        new LatencySessionOptions { Source = LatencySource.Gpio, OutputLine = 27, DriveSysfs = "/sys/pull" }.Validate();
    }
}
