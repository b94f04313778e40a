using System.Collections.Concurrent;
using System.Net;
using System.Text;
using DpcPi.Cli.Tests.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DpcPi.Cli.Tests.Dashboard;

public sealed class OtlpExportTests
{
    [Fact]
    public async Task Otlp_HttpProtobufEndpointConfigured_CollectorReceivesDpcPiMetrics()
    {
        // A stand-in OTLP/HTTP collector on loopback that keeps every request body.
        var bodies = new ConcurrentQueue<byte[]>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await using var collector = builder.Build();
        collector.MapPost("/v1/metrics", async (HttpContext ctx) =>
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            bodies.Enqueue(ms.ToArray());
            ctx.Response.ContentType = "application/x-protobuf";
        });
        await collector.StartAsync(TestContext.Current.CancellationToken);
        var address = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await using (var host = await DashboardHost.StartAsync($"--Metrics:Otlp:Endpoint={address}/v1/metrics", "--Metrics:Otlp:Protocol=http/protobuf", "--Metrics:Otlp:IntervalSeconds=1", "--Dashboard:Enabled=true"))
        {
            Assert.True(
                await HostTestSupport.EventuallyAsync(() => bodies.Any(b => Encoding.UTF8.GetString(b).Contains("dpcpi.interrupts", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
                $"the collector got {bodies.Count} export(s), none with dpcpi.interrupts");
        }

        var all = string.Join("\n", bodies.Select(b => Encoding.UTF8.GetString(b)));
        Assert.Contains("DpcPi", all, StringComparison.Ordinal);
        Assert.Contains("dpcpi.latency.p99", all, StringComparison.Ordinal);
        await collector.StopAsync(TestContext.Current.CancellationToken);
    }
}
