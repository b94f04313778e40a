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
        var (code, stdout, _) = await CheckTogether("button,loopback");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("GPIO17 (pi.11) is used by 2 labs at once: button (pin \"button\") and loopback (pin \"stimulus\")", stdout, StringComparison.Ordinal);
        Assert.Contains("1 problem(s).", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_TogetherLabsWithNoGpioInCommon_SaysSoAndExitsZero()
    {
        var (code, stdout, _) = await CheckTogether("encoder,button,ultrasonic");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("ok  encoder, button, ultrasonic together: no GPIO used by two of them", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_TogetherUnknownLab_OneLineNamingTheLabs()
    {
        var (code, _, stderr) = await CheckTogether("button,sonar");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("dpcpi wiring: --together: no valid wiring for lab 'sonar'; labs: button, clock-tick,", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> CheckTogether(string labs)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(["wiring", "check", "--root", Root, "--together", labs], stdout, stderr, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
