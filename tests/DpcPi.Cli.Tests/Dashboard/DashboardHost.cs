using DpcPi.Cli.Dashboard;
using DpcPi.Cli.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DpcPi.Cli.Tests.Dashboard;

/// <summary>A running `dpcpi run` host on the fake source with its dashboard on a free loopback port.</summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private DashboardHost(IHost host, Uri url)
    {
        Host = host;
        Url = url;
    }

    public IHost Host { get; }

    public Uri Url { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<DashboardHost> StartAsync(params string[] extra)
    {
        var host = HostTestSupport.Build(["--Source:Kind=fake", "--Source:IntervalUs=1000", "--Kernel:Realtime=false", "--Dashboard:Port=0", "--Serilog:MinimumLevel:Default=Warning", "--Serilog:WriteTo:0:Name=Console", .. extra]);
        await host.StartAsync(TestContext.Current.CancellationToken);
        var url = host.Services.GetRequiredService<DashboardService>().Url;
        Assert.NotNull(url);
        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(0, url.Port);
        Assert.True(await HostTestSupport.EventuallyAsync(() => host.Service().Session!.Completed >= 20, TimeSpan.FromSeconds(30)), "no DPCs ran");

        // The pages and metrics read views reused for SnapshotProvider.MaxAge: wait until the view they get has the
        // DPCs too, or a view taken at start (before any) can be what a test reads first on a busy host.
        var snapshots = host.Services.GetRequiredService<DpcPi.Cli.Metrics.SnapshotProvider>();
        Assert.True(await HostTestSupport.EventuallyAsync(() => snapshots.Current()?.Completed >= 20, TimeSpan.FromSeconds(30)), "the snapshot never showed the DPCs that ran");
        return new DashboardHost(host, url);
    }

    public Task<string> GetAsync(string path) => Http.GetStringAsync(new Uri(Url, path), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await Host.WaitForShutdownAsync(CancellationToken.None);
        Host.Dispose();
    }
}
