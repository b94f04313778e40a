using System.Globalization;
using System.Text.Json;

namespace DpcPi.Cli.Dashboard;

/// <summary>One Pi of the fleet page: its scrape target, whether Prometheus reaches it, and its figures (null = none known).</summary>
internal sealed record FleetRow(string Instance, bool Up, double? P99Us, double? MaxUs, long? Lost, long? DeadlineMisses);

/// <summary>What GET /api/fleet returns: the class p99 over every Pi's samples and one row per Pi.</summary>
internal sealed record FleetView(string Prometheus, long TakenAtUnixMs, double? ClassP99Us, int Up, int Down, IReadOnlyList<FleetRow> Rows, string? Error);

/// <summary>
/// Reads the fleet from Prometheus's HTTP API (GET /api/v1/query, instant queries): the targets of the job "dpcpi"
/// (hardware/prometheus/prometheus.yml) with their p99, maximum, loss and deadline misses. The expressions are those of
/// the recording rules (hardware/prometheus/rules/dpcpi-recording.yml), written out so the page works on a server
/// that has not loaded them. Each series is taken at its last sample of the last 5 minutes, so a Pi that died
/// keeps its figures (and its samples in the class p99) while it shows as down. Only the configured URL is ever
/// contacted: nothing a browser sends reaches the query.
/// </summary>
internal sealed class FleetQuery : IDisposable
{
    private const string Job = "job=\"dpcpi\"";
    private const string Buckets = "last_over_time(dpcpi_latency_seconds_bucket{" + Job + ",stage=\"edge_to_dpc_start\"}[5m])";
    internal const string UpQuery = "up{" + Job + "}";
    internal const string P99Query = "histogram_quantile(0.99, sum by (instance, le) (" + Buckets + "))";
    internal const string ClassP99Query = "histogram_quantile(0.99, sum by (le) (" + Buckets + "))";
    internal const string MaxQuery = "max by (instance) (last_over_time(dpcpi_latency_max_seconds{" + Job + ",stage=\"edge_to_dpc_start\"}[5m]))";
    internal const string LostQuery = "sum by (instance) (last_over_time(dpcpi_gpio_edges_lost_total{" + Job + "}[5m]))";
    internal const string MissesQuery = "sum by (instance) (last_over_time(dpcpi_deadline_misses_total{" + Job + "}[5m]))";

    private readonly Uri _prometheus;
    private readonly HttpClient _http;

    public FleetQuery(Uri prometheus)
    {
        _prometheus = prometheus;
        _http = new HttpClient { BaseAddress = prometheus, Timeout = TimeSpan.FromSeconds(5) };
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The fleet now; a server that cannot be reached or answers an error gives a view with <see cref="FleetView.Error"/> and no rows.</summary>
    public async Task<FleetView> ReadAsync(CancellationToken cancellationToken)
    {
        var taken = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        try
        {
            var up = QueryAsync(UpQuery, cancellationToken);
            var p99 = QueryAsync(P99Query, cancellationToken);
            var max = QueryAsync(MaxQuery, cancellationToken);
            var lost = QueryAsync(LostQuery, cancellationToken);
            var misses = QueryAsync(MissesQuery, cancellationToken);
            var classP99 = QueryAsync(ClassP99Query, cancellationToken);
            await Task.WhenAll(up, p99, max, lost, misses, classP99).ConfigureAwait(false);
            var rows = new List<FleetRow>();
            foreach (var (instance, value) in await up.ConfigureAwait(false))
            {
                rows.Add(new FleetRow(
                    instance,
                    value == 1,
                    Us(p99.Result, instance),
                    Us(max.Result, instance),
                    Count(lost.Result, instance),
                    Count(misses.Result, instance)));
            }

            rows.Sort((a, b) => string.CompareOrdinal(a.Instance, b.Instance));
            var classSeries = classP99.Result;
            double? classUs = classSeries.Count > 0 && double.IsFinite(classSeries[0].Value) ? classSeries[0].Value * 1e6 : null;
            return new FleetView(
                _prometheus.AbsoluteUri,
                taken,
                classUs,
                rows.Count(r => r.Up),
                rows.Count(r => !r.Up),
                rows,
                null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            // The page says what is wrong; the measurement goes on.
            var why = ex is TaskCanceledException ? "no answer within 5 s" : ex.Message;
            return new FleetView(_prometheus.AbsoluteUri, taken, null, 0, 0, [], $"Prometheus at {_prometheus.AbsoluteUri}: {why}");
        }
    }

    private static double? Us(IReadOnlyList<(string Instance, double Value)> series, string instance)
    {
        foreach (var (i, v) in series)
        {
            if (i == instance)
            {
                return double.IsFinite(v) ? v * 1e6 : null;
            }
        }

        return null;
    }

    private static long? Count(IReadOnlyList<(string Instance, double Value)> series, string instance)
    {
        foreach (var (i, v) in series)
        {
            if (i == instance)
            {
                return double.IsFinite(v) ? (long)Math.Round(v) : null;
            }
        }

        return null;
    }

    /// <summary>One instant query: each series of the vector as (instance label, value).</summary>
    private async Task<IReadOnlyList<(string Instance, double Value)>> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        var uri = new Uri("api/v1/query?query=" + Uri.EscapeDataString(promql), UriKind.Relative);
        using var response = await _http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
            throw new InvalidOperationException($"query failed ({(int)response.StatusCode}): {error}");
        }

        var result = new List<(string, double)>();
        foreach (var series in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var instance = series.GetProperty("metric").TryGetProperty("instance", out var i) ? i.GetString() ?? string.Empty : string.Empty;
            var text = series.GetProperty("value")[1].GetString() ?? "NaN";
            result.Add((instance, text switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
            }));
        }

        return result;
    }
}
