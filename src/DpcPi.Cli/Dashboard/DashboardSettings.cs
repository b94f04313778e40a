using System.Net;
using DpcPi.Cli.Metrics;
using Microsoft.Extensions.Configuration;

namespace DpcPi.Cli.Dashboard;

/// <summary>
/// The Dashboard section of `dpcpi run`: Enabled (true), Address (127.0.0.1), Port (8642; 0 = any free port), Prometheus
/// (none; the server the fleet page reads, docs/fleet.md).
/// </summary>
internal sealed class DashboardSettings
{
    public const int DefaultPort = 8642;
    private static readonly string[] s_keys = ["Enabled", "Address", "Port", "Prometheus"];

    public bool Enabled { get; init; } = true;

    public IPAddress Address { get; init; } = IPAddress.Loopback;

    public int Port { get; init; } = DefaultPort;

    /// <summary>Dashboard:Prometheus: the base URL of the Prometheus server that scrapes the fleet; null = no fleet page.</summary>
    public Uri? Prometheus { get; init; }

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
        Uri? prometheus = null;
        if (config["Dashboard:Prometheus"] is { Length: > 0 } url)
        {
            if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out prometheus) || prometheus.Scheme is not ("http" or "https")
                || !string.IsNullOrEmpty(prometheus.Query) || !string.IsNullOrEmpty(prometheus.Fragment) || !string.IsNullOrEmpty(prometheus.UserInfo))
            {
                throw ConfigKeys.Bad("Dashboard:Prometheus", url, "the base URL of a Prometheus server, http:// or https:// with no query (e.g. http://127.0.0.1:9090)");
            }

            // The API paths are relative to it: a base without a trailing slash would lose its last segment.
            prometheus = prometheus.AbsoluteUri.EndsWith('/') ? prometheus : new Uri(prometheus.AbsoluteUri + "/");
        }

        return new DashboardSettings { Enabled = enabled, Address = address, Port = port, Prometheus = prometheus };
    }
}
