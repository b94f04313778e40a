using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace DpcPi.Bench;

/// <summary>
/// The cyclictest side of "our p99 / cyclictest p99": runs <c>cyclictest -p P -i I -l L -q -m -h H --json=FILE</c>
/// (rt-tests; cyclictest prints no percentiles, so p99 comes from its 1 µs histogram) and parses the
/// result. When cyclictest is missing it says so instead of failing.
/// </summary>
public static class CyclictestComparison
{
    /// <summary>Runs cyclictest with one measurement thread. <paramref name="histogramLimitUs"/> bounds its histogram (-h).</summary>
    public static CyclictestResult Run(int priority, int intervalUs, int loops, int histogramLimitUs = 10_000, string executable = "cyclictest", TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(intervalUs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(loops);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(histogramLimitUs);
        var jsonPath = Path.Combine(Path.GetTempPath(), $"dpcpi-cyclictest-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        var args = new[]
        {
            "-p", priority.ToString(CultureInfo.InvariantCulture),
            "-i", intervalUs.ToString(CultureInfo.InvariantCulture),
            "-l", loops.ToString(CultureInfo.InvariantCulture),
            "-q", "-m",
            "-h", histogramLimitUs.ToString(CultureInfo.InvariantCulture),
            "--json=" + jsonPath,
        };
        var commandLine = executable + " " + string.Join(' ', args);
        var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception("Process.Start returned null");
        }
        catch (Win32Exception ex)
        {
            return new CyclictestResult { Available = false, CommandLine = commandLine, Error = $"cyclictest is unavailable ({ex.Message}); install it with: apt-get install rt-tests" };
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var limit = timeout ?? TimeSpan.FromMilliseconds(Math.Max(30_000, (long)intervalUs * loops / 1000 * 3));
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                return new CyclictestResult { Available = true, CommandLine = commandLine, Error = $"cyclictest did not finish within {limit.TotalSeconds:0} s" };
            }

            var output = stdout.GetAwaiter().GetResult();
            var errors = stderr.GetAwaiter().GetResult();
            try
            {
                if (process.ExitCode != 0)
                {
                    return new CyclictestResult { Available = true, CommandLine = commandLine, Error = $"cyclictest exited with {process.ExitCode}: {errors.Trim()}" };
                }

                IReadOnlyList<CyclictestThread> threads = File.Exists(jsonPath)
                    ? CyclictestParser.ParseJson(File.ReadAllText(jsonPath))
                    : CyclictestParser.ParseHistogram(output);
                if (threads.Count == 0)
                {
                    threads = CyclictestParser.ParseHistogram(output);
                }

                return new CyclictestResult
                {
                    Available = true,
                    CommandLine = commandLine,
                    Version = ReadVersion(jsonPath),
                    Threads = threads,
                    Error = threads.Count == 0 ? "cyclictest produced no figures" : null,
                };
            }
            finally
            {
                File.Delete(jsonPath);
            }
        }
    }

    /// <summary>"our p99 / cyclictest p99 = 12.3 µs / 8 µs = 1.54x"; says why when the cyclictest side is missing.</summary>
    public static string FormatRatio(string figure, double oursUs, double? cyclictestUs)
    {
        ArgumentException.ThrowIfNullOrEmpty(figure);
        var inv = CultureInfo.InvariantCulture;
        if (cyclictestUs is not { } theirs)
        {
            return string.Create(inv, $"our {figure} / cyclictest {figure} = {oursUs:0.###} µs / n/a (cyclictest figure unavailable)");
        }

        var ratio = theirs <= 0 ? "n/a" : (oursUs / theirs).ToString("0.00", inv) + "x";
        return string.Create(inv, $"our {figure} / cyclictest {figure} = {oursUs:0.###} µs / {theirs:0.###} µs = {ratio}");
    }

    /// <summary>The comparison line for p99 from a finished cyclictest run.</summary>
    public static string FormatP99(double oursP99Us, CyclictestResult cyclictest)
    {
        ArgumentNullException.ThrowIfNull(cyclictest);
        return cyclictest.Succeeded
            ? FormatRatio("p99", oursP99Us, cyclictest.P99Us)
            : $"cyclictest comparison unavailable: {cyclictest.Error}";
    }

    private static string? ReadVersion(string jsonPath)
    {
        if (!File.Exists(jsonPath))
        {
            return null;
        }

        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(jsonPath));
            return doc.RootElement.TryGetProperty("rt_test_version:", out var v) || doc.RootElement.TryGetProperty("rt_test_version", out v) ? v.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
