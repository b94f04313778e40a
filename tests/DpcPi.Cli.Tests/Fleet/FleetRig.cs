using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DpcPi.Cli.Tests.Dashboard;

namespace DpcPi.Cli.Tests.Fleet;

/// <summary>
/// A classroom on one machine: five `dpcpi run --Source:Kind=fake` processes with different injected latencies on
/// their own loopback ports, a real Prometheus (Debian's package) on 127.0.0.1 with a temporary data dir scraping
/// them every second through the shipped hardware/prometheus files (its file_sd targets written here), and an
/// in-process `dpcpi run` whose dashboard has Dashboard:Prometheus set (the fleet page). Started once for the Fleet
/// tests; when prometheus is not installed, <see cref="SkipReason"/> says so and nothing starts.
/// </summary>
public sealed class FleetRig : IAsyncLifetime
{
    public const string PrometheusPath = "/usr/bin/prometheus";
    public const string PromtoolPath = "/usr/bin/promtool";

    /// <summary>The injected edge→DPC latencies (µs), one instance each.</summary>
    public static readonly int[] InjectedUs = [50, 100, 200, 400, 800];

    /// <summary>The instance whose deadline (µs) is below its injected latency, so DpcPiDeadlineMisses must fire for it.</summary>
    public const int MissingIndex = 4;
    public const int MissingDeadlineUs = 500;

    private Process? _prometheus;
    private readonly StringBuilder _prometheusLog = new();
    private string? _dir;

    public string? SkipReason { get; private set; }

    public IReadOnlyList<Instance> Instances { get; private set; } = [];

    public Uri Prometheus { get; private set; } = null!;

    internal DashboardHost Page { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DpcPi.sln")))
            {
                return dir.FullName;
            }
        }

        return Path.GetFullPath(Path.Combine(SourceDir(), "..", "..", ".."));
    }

    public static string PrometheusDir => Path.Combine(RepoRoot(), "hardware", "prometheus");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(PrometheusPath))
        {
            SkipReason = $"FLEET TIER SKIPPED: {PrometheusPath} is missing (Debian's prometheus package; test.sh installs it with apt-get when run as root)";
            Console.Error.WriteLine(SkipReason);
            return;
        }

        _dir = Path.Combine(Path.GetTempPath(), "dpcpi-fleet-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        var instances = new List<Instance>();
        for (var i = 0; i < InjectedUs.Length; i++)
        {
            var port = FreePort();
            var log = new StringBuilder();
            var args = new List<string>
            {
                "run", "--Source:Kind=fake", "--Source:IntervalUs=1000", $"--Source:FakeLatencyUs={InjectedUs[i]}",
                "--Kernel:Realtime=false", $"--Dashboard:Port={port}", "--Serilog:MinimumLevel:Default=Warning",
            };
            if (i == MissingIndex)
            {
                args.Add($"--Report:DeadlineUs={MissingDeadlineUs}");
            }

            instances.Add(new Instance(InjectedUs[i], port, StartDpcpi(args, log), log));
        }

        Instances = instances;
        foreach (var instance in instances)
        {
            var running = await EventuallyAsync(
                async () => instance.Process.HasExited ? throw new InvalidOperationException($"dpcpi on :{instance.Port} exited with {instance.Process.ExitCode}: {Log(instance)}")
                    : await TryGetJsonAsync(instance.Url("api/snapshot")) is { } s && s.RootElement.TryGetProperty("completed", out var c) && c.GetInt64() > 200,
                TimeSpan.FromSeconds(90));
            Assert.True(running, $"dpcpi on :{instance.Port} measured nothing within 90 s: {Log(instance)}");
        }

        var promPort = FreePort();
        Prometheus = new Uri($"http://127.0.0.1:{promPort}/");
        CopyShippedConfig(_dir, instances);
        _prometheus = Start(PrometheusPath, [$"--config.file={Path.Combine(_dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(_dir, "data")}", $"--web.listen-address=127.0.0.1:{promPort}"], _prometheusLog);
        Assert.True(await EventuallyAsync(async () => await TryGetAsync(new Uri(Prometheus, "-/ready")) is not null, TimeSpan.FromSeconds(60)), $"prometheus never became ready: {_prometheusLog}");

        // Every target scraped, twice, with its histogram.
        var scraped = await EventuallyAsync(
            async () => (await QueryAsync("count_over_time(dpcpi_latency_seconds_count{job=\"dpcpi\",stage=\"edge_to_dpc_start\"}[1m]) >= 2")).Count == instances.Count,
            TimeSpan.FromSeconds(90));
        Assert.True(scraped, $"prometheus did not scrape all {instances.Count} instances twice within 90 s: {_prometheusLog}");

        Page = await DashboardHost.StartAsync($"--Dashboard:Prometheus={Prometheus}");
    }

    public async ValueTask DisposeAsync()
    {
        if (Page is not null)
        {
            await Page.DisposeAsync();
        }

        foreach (var instance in Instances)
        {
            Stop(instance.Process);
        }

        if (_prometheus is not null)
        {
            Stop(_prometheus);
        }

        Http.Dispose();
        if (_dir is not null)
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // a file still held: the temp dir is cleaned by the OS
            }
        }
    }

    public static string Log(Instance instance)
    {
        lock (instance.Output)
        {
            return instance.Output.ToString();
        }
    }

    public string PrometheusLog
    {
        get
        {
            lock (_prometheusLog)
            {
                return _prometheusLog.ToString();
            }
        }
    }

    /// <summary>An instant query (now, or at <paramref name="atUnix"/>): each series as (labels, sample time, value).</summary>
    public async Task<IReadOnlyList<PromSample>> QueryAsync(string promql, double? atUnix = null)
    {
        var uri = new Uri(Prometheus, "api/v1/query?query=" + Uri.EscapeDataString(promql) + (atUnix is { } t ? "&time=" + t.ToString("0.###", CultureInfo.InvariantCulture) : string.Empty));
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(uri, TestContext.Current.CancellationToken));
        Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
        var samples = new List<PromSample>();
        foreach (var series in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty);
            var value = series.GetProperty("value");
            var text = value[1].GetString()!;
            samples.Add(new PromSample(labels, value[0].GetDouble(), text switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
            }));
        }

        return samples;
    }

    /// <summary>The time (Unix s) of the newest scrape of <paramref name="instance"/> Prometheus has stored.</summary>
    public async Task<double> LastScrapeAsync(Instance instance) =>
        (await QueryAsync($"timestamp(up{{instance=\"{instance.Target}\"}})")).Single().Value;

    public async Task<JsonDocument?> TryGetJsonAsync(Uri uri) => await TryGetAsync(uri) is { } text ? JsonDocument.Parse(text) : null;

    public async Task<string?> TryGetAsync(Uri uri)
    {
        try
        {
            using var response = await Http.GetAsync(uri, TestContext.Current.CancellationToken);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken) : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Polls a state check (no fixed sleep) until it holds or the deadline passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        var end = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > end)
            {
                return false;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        return true;
    }

    private static void CopyShippedConfig(string dir, IReadOnlyList<Instance> instances)
    {
        // The shipped files as they are; only the target list is this rig's (the one list a lab edits).
        File.Copy(Path.Combine(PrometheusDir, "prometheus.yml"), Path.Combine(dir, "prometheus.yml"));
        Directory.CreateDirectory(Path.Combine(dir, "rules"));
        foreach (var rules in Directory.GetFiles(Path.Combine(PrometheusDir, "rules"), "*.yml"))
        {
            File.Copy(rules, Path.Combine(dir, "rules", Path.GetFileName(rules)));
        }

        Directory.CreateDirectory(Path.Combine(dir, "targets"));
        var targets = string.Join(", ", instances.Select(i => $"\"{i.Target}\""));
        File.WriteAllText(Path.Combine(dir, "targets", "dpcpi.yml"), $"- targets: [{targets}]\n  labels:\n    lab: test\n");
    }

    private static Process StartDpcpi(IEnumerable<string> args, StringBuilder log)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "dpcpi.dll");
        Assert.True(File.Exists(dll), $"dpcpi.dll not found next to the tests ({dll})");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
            : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
            : "dotnet";
        return Start(dotnet, [dll, .. args], log);
    }

    private static Process Start(string file, IEnumerable<string> args, StringBuilder log)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(psi)!;
        // Drained as it comes: a full pipe would block the child's logging.
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                if (log.Length < 64_000)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    /// <summary>One `dpcpi run` of the fleet.</summary>
    public sealed class Instance(int injectedUs, int port, Process process, StringBuilder output)
    {
        public int InjectedUs { get; } = injectedUs;

        public int Port { get; } = port;

        public Process Process { get; } = process;

        public StringBuilder Output { get; } = output;

        public string Target => $"127.0.0.1:{Port}";

        public bool Killed { get; set; }

        public Uri Url(string path) => new($"http://127.0.0.1:{Port}/{path}");
    }

    public sealed record PromSample(IReadOnlyDictionary<string, string> Labels, double Time, double Value);
}

/// <summary>The Fleet tests run alone: five measuring processes and a Prometheus would load every other test's host.</summary>
[CollectionDefinition("Fleet", DisableParallelization = true)]
public sealed class FleetCollection : ICollectionFixture<FleetRig>;
