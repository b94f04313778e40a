using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DpcPi.Cli.Commands;

/// <summary>`dpcpi run`: the long-running service (systemd Type=notify) on the generic host.</summary>
internal sealed class RunCommand : ICommand
{
    public string Name => "run";

    public string Summary => "run as a service: measure until stopped, log every second, notify systemd";

    public string Usage => """
        usage: dpcpi run [--config FILE] [--Section:Key=value ...]

        Runs the latency measurement as a long-running service on the .NET generic host.
        Settings (docs/configuration.md) come from, in order of precedence (last wins):
          appsettings.json next to dpcpi (or --config FILE)
          environment variables DPCPI_<Section>__<Key> (e.g. DPCPI_Kernel__IsrPriority=80)
          arguments --<Section>:<Key>=<value> (e.g. --Kernel:DpcPriority=40 --Source:Kind=timer)
        Every setting is checked before anything starts; a bad one exits with code 2.
        Under systemd (NOTIFY_SOCKET) it sends READY=1, STATUS= every second, WATCHDOG=1 while the
        kernel makes progress, and STOPPING=1. SIGTERM/Ctrl-C stop it, flush queued DPCs and write the report.
        exit codes: 0 stopped cleanly, 2 bad configuration, 3 device failure,
                    4 DPC watchdog violation (fail-fast), 5 DPC exception (fail-fast)
        """;

    public async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        using var host = RunHost.Build(args);
        var service = host.Services.GetRequiredService<LatencyService>();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        return service.ExitCode;
    }
}
