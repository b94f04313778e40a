using System.Text.Json;
using DpcPi.Cli.CommandLine;

namespace DpcPi.Cli.Tests;

/// <summary>Runs the CLI in-process and captures what a user would see.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the CLI with <c>--json FILE</c> appended (a temporary file, deleted afterwards) and parses what it wrote; null when it wrote nothing.</summary>
    public static async Task<(int ExitCode, string Out, string Err, JsonDocument? Json)> RunWithJsonAsync(params string[] args)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dpcpi-test-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output, error) = await RunAsync([.. args, "--json", path]);
            return (code, output, error, File.Exists(path) ? JsonDocument.Parse(File.ReadAllText(path)) : null);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
