using DpcPi.Cli.CommandLine;

namespace DpcPi.Cli.Tests;

/// <summary>`dpcpi` with no arguments runs the main job, the wrapper script and `dotnet dpcpi.dll` alike.</summary>
public sealed class MainJobTests
{
    [Fact]
    public void MainJob_NoPi_IsAShortFakeLatencyRun() =>
        Assert.Equal(["latency", "--source", "fake", "-D", "5s", "-i", "1000"], CliApp.MainJob(onRaspberryPi: false));

    [Fact]
    public void MainJob_OnAPi_UsesTheLoopbackJumper() =>
        Assert.Equal("gpio", CliApp.MainJob(onRaspberryPi: true)[2]);

    [Fact]
    public async Task Run_NoArguments_RunsTheMainJobAndExits0()
    {
        var (code, output, err) = await CliRunner.RunAsync();

        Assert.True(code == ExitCodes.Ok, err);
        Assert.Contains("the main job", output, StringComparison.Ordinal);
        Assert.Contains("edge", output, StringComparison.OrdinalIgnoreCase); // the latency report's stages
    }
}
