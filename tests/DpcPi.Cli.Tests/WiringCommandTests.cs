using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Tests.Fleet;

namespace DpcPi.Cli.Tests;

/// <summary>`dpcpi wiring check --together`: labs that a student wires on one board at once.</summary>
public sealed class WiringCommandTests
{
    private static readonly string Root = Path.Combine(FleetRig.RepoRoot(), "wiring");

    [Fact]
    public async Task Check_TogetherLabsSharingAGpio_NamesThePinAndExits2()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["wiring", "check", "--root", Root, "--together", "button,loopback"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("GPIO17 (pi.11) is used by 2 labs at once: button (pin \"button\") and loopback (pin \"stimulus\")", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("1 problem(s).", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_TogetherLabsWithNoGpioInCommon_SaysSoAndExitsZero()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["wiring", "check", "--root", Root, "--together", "encoder,button,ultrasonic"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("ok  encoder, button, ultrasonic together: no GPIO used by two of them", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_TogetherUnknownLab_OneLineNamingTheLabs()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["wiring", "check", "--root", Root, "--together", "button,sonar"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("dpcpi wiring: --together: no valid wiring for lab 'sonar'; labs: button, clock-tick,", stderr.ToString(), StringComparison.Ordinal);
    }
}
