using System.Diagnostics;
using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Hosting;

namespace DpcPi.Reliability.Tests;

/// <summary>Runs the CLI in-process, or dpcpi.dll as a child process, and captures what a user would see.</summary>
internal static class Dpcpi
{
    public static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();

    public static async Task<(int ExitCode, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>dpcpi.dll: copied next to the test assembly by the project reference.</summary>
    public static string DllPath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "dpcpi.dll");
            Assert.True(File.Exists(path), $"dpcpi.dll not found next to the tests ({path})");
            return path;
        }
    }

    public static string DotnetPath =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
        : "dotnet";

    /// <summary>Starts `[prefix...] dotnet dpcpi.dll args` with redirected output.</summary>
    public static Process Start(IEnumerable<string> prefix, IEnumerable<string> args)
    {
        var pre = prefix.ToList();
        var psi = new ProcessStartInfo(pre.Count > 0 ? pre[0] : DotnetPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in pre.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        if (pre.Count > 0)
        {
            psi.ArgumentList.Add(DotnetPath);
        }

        psi.ArgumentList.Add(DllPath);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(psi)!;
    }

    /// <summary>Runs a child to completion (bounded) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Out, string Err)> RunChildAsync(IEnumerable<string> prefix, IEnumerable<string> args, TimeSpan timeout)
    {
        using var p = Start(prefix, args);
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"child dpcpi {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (p.ExitCode, await stdout, await stderr);
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dpcpi-rel-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static Microsoft.Extensions.Hosting.IHost BuildRunHost(params string[] args) => RunHost.Build(args, NoEnvironment, new SystemdNotifier(null));

    /// <summary>Spins (no sleeping) until <paramref name="condition"/> holds; false when the deadline passes first.</summary>
    public static bool SpinUntil(Func<bool> condition, TimeSpan deadline)
    {
        var sw = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (!condition())
        {
            if (sw.Elapsed > deadline)
            {
                return false;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }

        return true;
    }

    /// <summary>Asserts a user-facing error: exactly one line, no stack trace.</summary>
    public static void AssertOneLine(string text)
    {
        var lines = text.TrimEnd('\n', '\r').Split('\n');
        Assert.True(lines.Length == 1, $"expected one line, got {lines.Length}:\n{text}");
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", text, StringComparison.Ordinal);
    }
}

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> (a state check, not a timed wait) until it holds or the deadline passes.</summary>
    public static async Task<bool> HoldsAsync(Func<bool> condition, TimeSpan deadline)
    {
        var end = DateTime.UtcNow + deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > end)
            {
                return false;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return true;
    }
}
