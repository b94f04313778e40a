// Logging here runs at start/stop only.
#pragma warning disable CA1873

using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DpcPi.Cli.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DpcPi.Cli.Dashboard;

/// <summary>
/// The read-only web dashboard of `dpcpi run` on its own Kestrel <see cref="WebApplication"/>: the page and its
/// assets (embedded resources), GET /metrics (Prometheus text), GET /api/snapshot (JSON) and GET /events
/// (server-sent events, one snapshot per second). Only GET endpoints; nothing changes state. A port that
/// cannot be bound is logged and the measurement goes on without the dashboard.
/// </summary>
internal sealed class DashboardService : IHostedService, IAsyncDisposable
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly Dictionary<string, string> s_contentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private readonly DashboardSettings _settings;
    private readonly SnapshotProvider _snapshots;
    private readonly ILogger<DashboardService> _log;
    private readonly FleetQuery? _fleet;
    private WebApplication? _app;

    public DashboardService(DashboardSettings settings, SnapshotProvider snapshots, ILogger<DashboardService> log)
    {
        _settings = settings;
        _snapshots = snapshots;
        _log = log;
        _fleet = settings.Prometheus is { } prometheus ? new FleetQuery(prometheus) : null;
    }

    /// <summary>The dashboard's base URL (e.g. http://127.0.0.1:8642/) once listening; null when it is not.</summary>
    public Uri? Url { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(500));
        builder.WebHost.UseKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(_settings.Address, _settings.Port);
        });
        var app = builder.Build();
        Map(app);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            _log.LogError("dashboard: cannot listen on {Address}:{Port} ({Message}); running without the dashboard", _settings.Address, _settings.Port, ex.Message);
            await app.DisposeAsync().ConfigureAwait(false);
            return;
        }

        _app = app;
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Url = address is null ? null : new Uri(address.EndsWith('/') ? address : address + "/");
        var shown = Url;
        if (!IPAddress.IsLoopback(_settings.Address))
        {
            // 0.0.0.0 is no address a browser elsewhere can open: show one this machine is reached at.
            if (Url is not null && (_settings.Address.Equals(IPAddress.Any) || _settings.Address.Equals(IPAddress.IPv6Any)))
            {
                shown = new UriBuilder(Url) { Host = ReachableHost() }.Uri;
            }

            _log.LogWarning("dashboard: listening on {Address}, not loopback, with no authentication: anyone who can reach this machine can read it and /metrics (Dashboard:Address=127.0.0.1 keeps it local)", _settings.Address);
        }

        _log.LogInformation("dashboard: {Url} (metrics at {Url}metrics)", shown, shown);
    }

    /// <summary>The first IPv4 address of an interface that is up and not loopback, else the host name.</summary>
    internal static string ReachableHost()
    {
        try
        {
            foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != System.Net.NetworkInformation.OperationalStatus.Up || nic.NetworkInterfaceType == System.Net.NetworkInformation.NetworkInterfaceType.Loopback)
                {
                    continue;
                }

                foreach (var a in nic.GetIPProperties().UnicastAddresses)
                {
                    if (a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a.Address))
                    {
                        return a.Address.ToString();
                    }
                }
            }
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
            // fall back to the name
        }

        return Dns.GetHostName();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromMilliseconds(500));
            try
            {
                await app.StopAsync(bounded.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // open event streams are cut
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _fleet?.Dispose();
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static string Json(MetricsView? snapshot) =>
        snapshot is null ? "{\"running\":false}" : JsonSerializer.Serialize(snapshot, JsonOptions);

    private void Map(WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/{file}", (string file) => Asset(file));
        app.MapGet("/metrics", () => Results.Text(PrometheusFormatter.Format(_snapshots.Current()), PrometheusFormatter.ContentType, Encoding.UTF8));
        app.MapGet("/api/snapshot", () => Results.Text(Json(_snapshots.Current()), "application/json; charset=utf-8", Encoding.UTF8));
        app.MapGet("/api/histogram", () => Results.Text(JsonSerializer.Serialize(_snapshots.EdgeToDpcStartHistogram(), JsonOptions), "application/json; charset=utf-8", Encoding.UTF8));
        app.MapGet("/api/fleet", async (HttpContext ctx) => _fleet is null
            ? Results.Json(new { error = "no Prometheus configured: set Dashboard:Prometheus=http://HOST:9090 (docs/fleet.md)" }, JsonOptions, statusCode: StatusCodes.Status404NotFound)
            : Results.Text(JsonSerializer.Serialize(await _fleet.ReadAsync(ctx.RequestAborted).ConfigureAwait(false), JsonOptions), "application/json; charset=utf-8", Encoding.UTF8));
        app.MapGet("/events", async (HttpContext ctx) =>
        {
            ctx.Response.Headers.ContentType = "text/event-stream";
            ctx.Response.Headers.CacheControl = "no-cache";
            ctx.Response.Headers["X-Accel-Buffering"] = "no";
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping);
            var token = linked.Token;
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                await ctx.Response.WriteAsync("retry: 2000\n\n", token).ConfigureAwait(false);
                do
                {
                    await ctx.Response.WriteAsync("event: snapshot\ndata: " + Json(_snapshots.Current()) + "\n\n", token).ConfigureAwait(false);
                    await ctx.Response.Body.FlushAsync(token).ConfigureAwait(false);
                }
                while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
                // the client left or the service stops
            }
        });
    }

    private static IResult Asset(string file)
    {
        var ext = Path.GetExtension(file);
        if (!s_contentTypes.TryGetValue(ext, out var type) || file.Contains('/', StringComparison.Ordinal) || file.Contains("..", StringComparison.Ordinal))
        {
            return Results.NotFound();
        }

        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + file);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}

/// <summary>Registers metrics (always) and the dashboard (when enabled) in the `dpcpi run` host.</summary>
internal static class DashboardRegistration
{
    public static void AddDpcPiObservability(this IServiceCollection services, MetricsSettings metrics, DashboardSettings dashboard)
    {
        services.AddSingleton(metrics);
        services.AddSingleton(dashboard);
        services.AddSingleton<SnapshotProvider>();
        services.AddSingleton<DpcPiMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<DpcPiMetrics>());
        if (dashboard.Enabled)
        {
            services.AddSingleton<DashboardService>();
            services.AddHostedService(sp => sp.GetRequiredService<DashboardService>());
        }
    }
}
