using System.Net;
using DpcPi.Cli.Metrics;
using Microsoft.Extensions.Configuration;

namespace DpcPi.Cli.Dashboard;

/// <summary>The Dashboard section of `dpcpi run`: Enabled (true), Address (127.0.0.1), Port (8642; 0 = any free port).</summary>
internal sealed class DashboardSettings
{
    public const int DefaultPort = 8642;
    private static readonly string[] s_keys = ["Enabled", "Address", "Port"];

    public bool Enabled { get; init; } = true;

    public IPAddress Address { get; init; } = IPAddress.Loopback;

    public int Port { get; init; } = DefaultPort;

    public static DashboardSettings Read(IConfiguration config)
    {
        ConfigKeys.Known(config, "Dashboard", s_keys);
        var enabled = ConfigKeys.Bool(config, "Dashboard:Enabled", true);
        var address = IPAddress.Loopback;
        if (config["Dashboard:Address"] is { } text)
        {
            var t = text.Trim();
            if (string.Equals(t, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                address = IPAddress.Loopback;
            }
            else if (!IPAddress.TryParse(t, out address!))
            {
                throw ConfigKeys.Bad("Dashboard:Address", text, "an IP address to listen on (127.0.0.1, ::1, 0.0.0.0 for every interface) or localhost");
            }
        }

        var port = ConfigKeys.Int(config, "Dashboard:Port", DefaultPort, 0, 65535);
        return new DashboardSettings { Enabled = enabled, Address = address, Port = port };
    }
}
