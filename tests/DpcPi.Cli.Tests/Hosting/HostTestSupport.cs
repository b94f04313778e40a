using DpcPi.Cli.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DpcPi.Cli.Tests.Hosting;

internal static class HostTestSupport
{
    public static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();

    public static IHost Build(string[] args, SystemdNotifier? notifier = null) =>
        RunHost.Build(args, NoEnvironment, notifier ?? new SystemdNotifier(null));

    public static LatencyService Service(this IHost host) => host.Services.GetRequiredService<LatencyService>();

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan deadline)
    {
        var end = DateTime.UtcNow + deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > end)
            {
                return false;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return true;
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dpcpi-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
