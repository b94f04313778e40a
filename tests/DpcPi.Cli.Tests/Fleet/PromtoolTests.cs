using System.Diagnostics;

namespace DpcPi.Cli.Tests.Fleet;

/// <summary>The shipped hardware/prometheus files, checked by Prometheus's own promtool (Debian's prometheus package).</summary>
[Trait("Category", "Fleet")]
public sealed class PromtoolTests
{
    [Fact]
    public async Task CheckConfig_ShippedPrometheusYml_Valid()
    {
        var (code, output) = await PromtoolAsync("check", "config", "prometheus.yml");
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS: 2 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckRules_ShippedRuleFiles_Valid()
    {
        var (code, output) = await PromtoolAsync("check", "rules", "rules/dpcpi-recording.yml", "rules/dpcpi-alerts.yml");
        Assert.True(code == 0, output);
        Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestRules_AlertAndRecordingRuleCases_AllPass()
    {
        var (code, output) = await PromtoolAsync("test", "rules", "tests/dpcpi-alerts.test.yml");
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestRules_BrokenExpectation_Fails()
    {
        // promtool really judges: the same cases with one expected value changed must fail.
        var dir = Path.Combine(Path.GetTempPath(), "dpcpi-promtool-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(dir, "tests"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "tests", "broken.test.yml"), File.ReadAllText(Path.Combine(FleetRig.PrometheusDir, "tests", "dpcpi-alerts.test.yml"))
                .Replace("../rules/", Path.Combine(FleetRig.PrometheusDir, "rules") + "/", StringComparison.Ordinal)
                .Replace("value: 0.000099", "value: 0.000098", StringComparison.Ordinal));
            var (code, output) = await PromtoolAsync("test", "rules", Path.Combine(dir, "tests", "broken.test.yml"));
            Assert.NotEqual(0, code);
            Assert.Contains("FAILED", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> PromtoolAsync(params string[] args)
    {
        if (!File.Exists(FleetRig.PromtoolPath))
        {
            Assert.Skip($"FLEET TIER SKIPPED: {FleetRig.PromtoolPath} is missing (Debian's prometheus package; test.sh installs it with apt-get when run as root)");
        }

        var psi = new ProcessStartInfo(FleetRig.PromtoolPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = FleetRig.PrometheusDir };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }
}
