using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DpcPi.Cli.Metrics;
using DpcPi.Cli.Tests.Dashboard;

namespace DpcPi.Cli.Tests.Fleet;

/// <summary>What a fleet's Prometheus reads from one Pi, without a Prometheus: the bucket layout, the injected latency, the fleet API's failures.</summary>
public sealed class FleetMetricsTests
{
    private static readonly double s_r = Math.Pow(10, 1.0 / 20);

    [Fact]
    public void PrometheusBounds_Layout_LogSpacedFrom1UsTo100MsWithRatioR()
    {
        var bounds = SnapshotProvider.PrometheusBoundsNs;

        Assert.Equal(101, bounds.Length);
        Assert.Equal(1_000, bounds[0]);
        Assert.Equal(100_000_000, bounds[^1]);
        for (var i = 1; i < bounds.Length; i++)
        {
            // Rounding to whole ns moves a ratio by at most 0.1 % (at 1 µs); the documented bound uses r itself.
            var ratio = (double)bounds[i] / bounds[i - 1];
            Assert.InRange(ratio, s_r * 0.999, s_r * 1.001);
        }
    }

    [Fact]
    public async Task Metrics_FakeLatencyAboveDeadline_EveryEdgeMissesAndNoBucketBelowTheInjectedLatency()
    {
        await using var host = await DashboardHost.StartAsync("--Source:FakeLatencyUs=300", "--Report:DeadlineUs=200");

        var metrics = PrometheusTextParser.Parse(await host.GetAsync("metrics"));
        // Misses and the histogram's count come from the same snapshot: every sample is late.
        var count = metrics["dpcpi_latency_seconds"].Samples.Single(s => s.Name == "dpcpi_latency_seconds_count" && s.Labels["stage"] == "edge_to_dpc_start").Value;
        var misses = metrics["dpcpi_deadline_misses_total"].Samples.Single().Value;
        Assert.True(count > 0);
        Assert.Equal(count, misses);
        Assert.Equal(200e-6, metrics["dpcpi_deadline_seconds"].Samples.Single().Value, 12);
        Assert.True(metrics["dpcpi_latency_second_max_seconds"].Samples.Single().Value >= 300e-6);

        var buckets = metrics["dpcpi_latency_seconds"].Samples
            .Where(s => s.Name == "dpcpi_latency_seconds_bucket" && s.Labels["stage"] == "edge_to_dpc_start")
            .ToList();
        Assert.Equal(SnapshotProvider.PrometheusBoundsNs.Length + 1, buckets.Count);
        Assert.Equal(SnapshotProvider.PrometheusBoundsNs.Select(ns => ns / 1e9).Append(double.PositiveInfinity), buckets.Select(b => b.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(b.Labels["le"], CultureInfo.InvariantCulture)));
        Assert.All(buckets.Where(b => b.Labels["le"] != "+Inf" && double.Parse(b.Labels["le"], CultureInfo.InvariantCulture) < 299e-6), b => Assert.Equal(0, b.Value));
    }

    [Fact]
    public async Task Histogram_RunningHost_NonEmptyBucketsSumToTheCount()
    {
        await using var host = await DashboardHost.StartAsync();

        using var doc = JsonDocument.Parse(await host.GetAsync("api/histogram"));
        var buckets = doc.RootElement.GetProperty("buckets").EnumerateArray().Select(b => (Low: b[0].GetInt64(), High: b[1].GetInt64(), Count: b[2].GetInt64())).ToList();
        Assert.Equal("edge_to_dpc_start", doc.RootElement.GetProperty("stage").GetString());
        Assert.NotEmpty(buckets);
        Assert.Equal(doc.RootElement.GetProperty("count").GetInt64(), buckets.Sum(b => b.Count));
        Assert.All(buckets, b => Assert.True(b.Count > 0 && b.High >= b.Low));
        Assert.Equal(buckets.OrderBy(b => b.Low), buckets);
    }

    [Fact]
    public async Task FleetApi_NoPrometheusConfigured_NotFoundSayingHow()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Http.GetAsync(new Uri(host.Url, "api/fleet"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Dashboard:Prometheus", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FleetApi_PrometheusUnreachable_ErrorNamedAndNoRows()
    {
        // A port that was free a moment ago: nothing listens there.
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var host = await DashboardHost.StartAsync($"--Dashboard:Prometheus=http://127.0.0.1:{port}");

        using var doc = JsonDocument.Parse(await host.GetAsync("api/fleet"));
        Assert.Contains($"127.0.0.1:{port}", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(doc.RootElement.GetProperty("rows").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("classP99Us").ValueKind);
    }
}
