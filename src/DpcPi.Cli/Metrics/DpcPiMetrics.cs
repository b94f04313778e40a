// Logging here runs at start only.
#pragma warning disable CA1873

using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace DpcPi.Cli.Metrics;

/// <summary>
/// The "DpcPi" <see cref="Meter"/>: observable instruments only, each read from a <see cref="SnapshotProvider"/>
/// snapshot when a listener collects (dotnet-counters, OpenTelemetry). Nothing is recorded on the ISR or DPC
/// threads. Created when the host starts, so `dotnet-counters monitor -n dpcpi --counters DpcPi` sees it
/// without setup. With Metrics:Otlp:Endpoint set, an OpenTelemetry MeterProvider exports it over OTLP.
/// </summary>
internal sealed class DpcPiMetrics : IHostedService, IDisposable
{
    public const string MeterName = "DpcPi";

    private readonly SnapshotProvider _snapshots;
    private readonly MetricsSettings _settings;
    private readonly ILogger<DpcPiMetrics> _log;
    private MeterProvider? _otlp;

    public DpcPiMetrics(SnapshotProvider snapshots, MetricsSettings settings, ILogger<DpcPiMetrics> log)
    {
        _snapshots = snapshots;
        _settings = settings;
        _log = log;
        Meter = new Meter(MeterName, typeof(DpcPiMetrics).Assembly.GetName().Version?.ToString());
        Meter.CreateObservableCounter("dpcpi.interrupts", () => Each(s => s.Vectors.Select(v => new Measurement<long>(v.Count, new("vector", v.Vector), new("name", v.Name)))), "{interrupt}", "Interrupts dispatched by the ISR thread, per vector");
        Meter.CreateObservableCounter("dpcpi.dpcs.run", () => Each(s => s.Cpus.Select(c => new Measurement<long>(c.DpcsRun, new KeyValuePair<string, object?>("cpu", c.Cpu)))), "{dpc}", "DPCs run, per core");
        Meter.CreateObservableCounter("dpcpi.dpcs.coalesced", () => Each(s => s.Cpus.Select(c => new Measurement<long>(c.Coalesced, new KeyValuePair<string, object?>("cpu", c.Cpu)))), "{insert}", "DPC inserts coalesced into an already queued DPC, per core");
        Meter.CreateObservableCounter("dpcpi.dpcs.coalesced.pending_together", () => Each(s => s.Cpus.Select(c => new Measurement<long>(c.CoalescedPendingTogether, new KeyValuePair<string, object?>("cpu", c.Cpu)))), "{insert}", "Coalesced inserts from interrupts dispatched in the same ISR pass as the one that queued the DPC, per core");
        Meter.CreateObservableGauge("dpcpi.dpc.queue.depth", () => Each(s => s.Cpus.Select(c => new Measurement<int>(c.QueueDepth, new KeyValuePair<string, object?>("cpu", c.Cpu)))), "{dpc}", "DPCs queued now, per core");
        Meter.CreateObservableCounter("dpcpi.dpc.time", () => Each(s => s.Cpus.Select(c => new Measurement<double>(c.TimeInDpcMs / 1000.0, new KeyValuePair<string, object?>("cpu", c.Cpu)))), "s", "Time spent in DPC routines, per core");
        Meter.CreateObservableCounter("dpcpi.gpio.edges.lost", () => One(s => s.LostEdges), "{edge}", "GPIO edges lost in the kernel");
        Meter.CreateObservableCounter("dpcpi.gpio.edges.merged", () => One(s => s.MergedEdges), "{edge}", "GPIO edges merged (equal edges in a row)");
        Meter.CreateObservableCounter("dpcpi.timer.expiries.merged", () => One(s => s.TimerExpiriesMerged), "{expiry}", "Timer expiries merged into a late interrupt, which is stamped with the oldest");
        Meter.CreateObservableCounter("dpcpi.watchdog.violations", () => One(s => s.WatchdogViolations), "{event}", "DPC watchdog events");
        Meter.CreateObservableCounter("dpcpi.interrupts.measured", () => One(s => s.Completed), "{interrupt}", "Interrupts whose DPC completed");
        Meter.CreateObservableGauge("dpcpi.latency.p50", () => Stages(st => st.P50Us), "us", "Median latency per stage");
        Meter.CreateObservableGauge("dpcpi.latency.p99", () => Stages(st => st.P99Us), "us", "99th percentile latency per stage");
        Meter.CreateObservableGauge("dpcpi.latency.p999", () => Stages(st => st.P999Us), "us", "99.9th percentile latency per stage");
        Meter.CreateObservableGauge("dpcpi.latency.max", () => Stages(st => st.MaxUs), "us", "Maximum latency per stage");
    }

    public Meter Meter { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_settings.OtlpEndpoint is { } endpoint)
        {
            _otlp = Sdk.CreateMeterProviderBuilder()
                .AddMeter(MeterName)
                .AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = endpoint;
                    exporter.Protocol = _settings.OtlpHttp ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = _settings.OtlpIntervalMs;
                })
                .Build();
            _log.LogInformation("metrics: exporting meter {Meter} over OTLP to {Endpoint}", MeterName, endpoint);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Final export with what was measured; bounded so stopping stays fast.
        _ = _otlp?.ForceFlush(500);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _otlp?.Dispose();
        Meter.Dispose();
    }

    private IEnumerable<Measurement<T>> Each<T>(Func<MetricsView, IEnumerable<Measurement<T>>> select)
        where T : struct => _snapshots.Current() is { } s ? select(s).ToArray() : [];

    private IEnumerable<Measurement<long>> One(Func<MetricsView, long> select) =>
        _snapshots.Current() is { } s ? [new Measurement<long>(select(s))] : [];

    private IEnumerable<Measurement<double>> Stages(Func<StageView, double> us) =>
        Each(s => s.Stages.Select(st => new Measurement<double>(us(st), new KeyValuePair<string, object?>("stage", st.Stage))));
}
