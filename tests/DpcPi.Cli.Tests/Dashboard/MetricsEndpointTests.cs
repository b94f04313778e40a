using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using DpcPi.Cli.Metrics;
using DpcPi.Cli.Tests.Hosting;

namespace DpcPi.Cli.Tests.Dashboard;

public sealed class MetricsEndpointTests
{
    private static readonly string[] s_families =
    [
        "dpcpi_up", "dpcpi_info", "dpcpi_interrupts_total", "dpcpi_measured_interrupts_total", "dpcpi_dpcs_run_total",
        "dpcpi_dpc_coalesced_inserts_total", "dpcpi_dpc_coalesced_pending_together_total", "dpcpi_dpc_queue_depth", "dpcpi_dpc_time_seconds_total", "dpcpi_gpio_edges_lost_total",
        "dpcpi_gpio_edges_merged_total", "dpcpi_timer_expiries_merged_total", "dpcpi_watchdog_violations_total", "dpcpi_guarantee", "dpcpi_latency_p50_seconds",
        "dpcpi_latency_p99_seconds", "dpcpi_latency_p999_seconds", "dpcpi_latency_max_seconds", "dpcpi_latency_seconds",
        "dpcpi_deadline_misses_total", "dpcpi_deadline_seconds", "dpcpi_latency_second_max_seconds",
    ];

    [Fact]
    public async Task Metrics_TwoScrapesOfRunningHost_StrictlyValidAndCountersIncrease()
    {
        await using var host = await DashboardHost.StartAsync();

        var first = PrometheusTextParser.Parse(await host.GetAsync("metrics"));
        foreach (var name in s_families)
        {
            Assert.True(first.ContainsKey(name), $"family {name} missing from /metrics");
        }

        Assert.All(first.Keys, k => Assert.StartsWith("dpcpi_", k, StringComparison.Ordinal));
        Assert.Equal("histogram", first["dpcpi_latency_seconds"].Type);
        Assert.Equal("counter", first["dpcpi_interrupts_total"].Type);
        Assert.Equal(1, first["dpcpi_up"].Samples.Single().Value);
        Assert.Equal("fake", first["dpcpi_info"].Samples.Single().Labels["source"]);
        var stages = first["dpcpi_latency_seconds"].Samples.Select(s => s.Labels["stage"]).ToHashSet();
        Assert.Contains("edge_to_dpc_start", stages);
        Assert.Equal(5, stages.Count);

        // Counters only grow; poll until the snapshot cache (250 ms) moved on and the measurement counters grew.
        var firstMeasured = Total(first, "dpcpi_measured_interrupts_total");
        IReadOnlyDictionary<string, PromFamily>? second = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            second = PrometheusTextParser.Parse(await host.GetAsync("metrics"));
            if (Total(second, "dpcpi_measured_interrupts_total") > firstMeasured && Total(second, "dpcpi_interrupts_total") > Total(first, "dpcpi_interrupts_total"))
            {
                break;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.NotNull(second);
        Assert.True(Total(second, "dpcpi_measured_interrupts_total") > firstMeasured, "dpcpi_measured_interrupts_total did not increase");
        Assert.True(Total(second, "dpcpi_interrupts_total") > Total(first, "dpcpi_interrupts_total"), "dpcpi_interrupts_total did not increase");
        Assert.True(Total(second, "dpcpi_dpcs_run_total") > Total(first, "dpcpi_dpcs_run_total"), "dpcpi_dpcs_run_total did not increase");
        foreach (var family in second.Values.Where(f => f.Type == "counter"))
        {
            foreach (var sample in family.Samples)
            {
                var before = first[family.Name].Samples.SingleOrDefault(s => s.LabelKey() == sample.LabelKey());
                Assert.True(before is null || sample.Value >= before.Value, $"counter {family.Name}{{{sample.LabelKey()}}} went down");
            }
        }

        var count = second["dpcpi_latency_seconds"].Samples.Single(s => s.Name == "dpcpi_latency_seconds_count" && s.Labels["stage"] == "edge_to_dpc_start").Value;
        Assert.True(count > 0);
    }

    [Fact]
    public async Task Endpoints_Get_ServeContentTypesAndRejectOtherMethods()
    {
        await using var host = await DashboardHost.StartAsync();

        using var metrics = await host.Http.GetAsync(new Uri(host.Url, "metrics"), TestContext.Current.CancellationToken);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType!.ToString());
        using var page = await host.Http.GetAsync(host.Url, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("DpcPi", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        foreach (var asset in new[] { "app.js", "style.css" })
        {
            using var r = await host.Http.GetAsync(new Uri(host.Url, asset), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        using var missing = await host.Http.GetAsync(new Uri(host.Url, "nope.js"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var post = await host.Http.PostAsync(new Uri(host.Url, "metrics"), new StringContent(string.Empty), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);

        using var doc = JsonDocument.Parse(await host.GetAsync("api/snapshot"));
        var root = doc.RootElement;
        Assert.Equal("fake", root.GetProperty("source").GetString());
        Assert.True(root.GetProperty("running").GetBoolean());
        Assert.True(root.GetProperty("completed").GetInt64() > 0);
        Assert.Equal(5, root.GetProperty("stages").GetArrayLength());
    }

    [Fact]
    public async Task Events_Subscribed_StreamsSnapshotsWithGrowingCounts()
    {
        await using var host = await DashboardHost.StartAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        using var response = await host.Http.GetAsync(new Uri(host.Url, "events"), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var completed = new List<long>();
        while (completed.Count < 2)
        {
            var line = await reader.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("the event stream ended");
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                using var doc = JsonDocument.Parse(line["data: ".Length..]);
                completed.Add(doc.RootElement.GetProperty("completed").GetInt64());
            }
        }

        Assert.True(completed[1] > completed[0], $"completed did not grow between events: {completed[0]} → {completed[1]}");
    }

    [Fact]
    public async Task Meter_RunningHost_ObservableInstrumentsReportValues()
    {
        await using var host = await DashboardHost.StartAsync();
        var seen = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DpcPiMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => seen[i.Name] = seen.GetValueOrDefault(i.Name) + v);
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => seen[i.Name] = seen.GetValueOrDefault(i.Name) + v);
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => seen[i.Name] = Math.Max(seen.GetValueOrDefault(i.Name), v));
        listener.Start();

        // The views are snapshots reused for SnapshotProvider.MaxAge: on a busy host the first one can predate the
        // DPCs the host waited for, so read again until one has them (bounded; a meter that never reports fails).
        Assert.True(
            await HostTestSupport.EventuallyAsync(
                () =>
                {
                    seen.Clear();
                    listener.RecordObservableInstruments();
                    return seen.GetValueOrDefault("dpcpi.interrupts") > 0 && seen.GetValueOrDefault("dpcpi.latency.max") > 0;
                },
                TimeSpan.FromSeconds(30)),
            "the meter reported no interrupts or no latency within 30 s");

        foreach (var name in new[] { "dpcpi.interrupts", "dpcpi.dpcs.run", "dpcpi.dpcs.coalesced", "dpcpi.dpcs.coalesced.pending_together", "dpcpi.dpc.queue.depth", "dpcpi.dpc.time", "dpcpi.gpio.edges.lost", "dpcpi.gpio.edges.merged", "dpcpi.timer.expiries.merged", "dpcpi.watchdog.violations", "dpcpi.latency.p50", "dpcpi.latency.p99", "dpcpi.latency.p999", "dpcpi.latency.max" })
        {
            Assert.True(seen.ContainsKey(name), $"instrument {name} reported nothing");
        }

        Assert.True(seen["dpcpi.interrupts"] > 0);
        Assert.True(seen["dpcpi.latency.max"] > 0, string.Create(CultureInfo.InvariantCulture, $"max {seen["dpcpi.latency.max"]}"));
    }

    private static double Total(IReadOnlyDictionary<string, PromFamily> families, string name) => families[name].Samples.Sum(s => s.Value);
}
