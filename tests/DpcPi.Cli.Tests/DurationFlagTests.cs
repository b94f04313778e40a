using DpcPi.Cli.Commands;

namespace DpcPi.Cli.Tests;

/// <summary>-D as cyclictest reads it: 0 is "until stopped", and any duration a TimeSpan holds is one.</summary>
public sealed class DurationFlagTests
{
    [Fact]
    public void Latency_DurationZero_RunsUntilStopped() =>
        Assert.Null(LatencyCommand.Parse(["-D", "0"]).Options.Duration);

    [Fact]
    public void Latency_DurationOfAMillionHours_IsThatDuration() =>
        Assert.Equal(TimeSpan.FromHours(1_000_000), LatencyCommand.Parse(["-D", "1000000h"]).Options.Duration);

    [Fact]
    public void Soak_DurationZero_RunsUntilStopped() =>
        Assert.True(SoakCommand.Parse(["-D", "0", "--window", "1s"]).Options.Duration >= TimeSpan.FromDays(36_500));

    [Theory]
    [InlineData("-1s")]
    [InlineData("NaN")]
    [InlineData("99999999999999d")]
    public void Latency_DurationOutOfRange_IsRefused(string text) =>
        Assert.Throws<DpcPi.Cli.CommandLine.CliException>(() => LatencyCommand.Parse(["-D", text]));
}

/// <summary>One vocabulary for where interrupts come from: latency takes lab's --backend too.</summary>
public sealed class SourceFlagTests
{
    [Fact]
    public void Latency_Backend_IsTheSource() =>
        Assert.Equal(DpcPi.Measurement.LatencySource.Fake, LatencyCommand.Parse(["--backend", "fake"]).Options.Source);
}
