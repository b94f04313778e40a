using System.Text.Json;
using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Dashboard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Serilog;
using Serilog.Settings.Configuration;

namespace DpcPi.Cli.Hosting;

/// <summary>Builds the generic host of `dpcpi run`: configuration, validation, Serilog, the systemd lifetime and the latency service.</summary>
internal static class RunHost
{
    public const string EnvironmentPrefix = "DPCPI_";
    private static readonly string[] s_sinks = ["Console", "File"]; // the sink assemblies BuildLogger gives Serilog

    /// <summary>
    /// Configuration in order: appsettings.json next to the binary (or --config FILE), DPCPI_* environment
    /// variables, then --Section:Key=value arguments. Throws <see cref="CliException"/> on any bad setting.
    /// </summary>
    /// <param name="environment">Environment variables to use instead of the process's (tests).</param>
    /// <param name="notifier">The systemd notifier to use instead of one from NOTIFY_SOCKET (tests).</param>
    public static IHost Build(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null, SystemdNotifier? notifier = null)
    {
        var config = BuildConfiguration(args, environment);
        var settings = ConfigValidator.Validate(config);
        var logger = BuildLogger(config);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            Configuration = config,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddSerilog(logger, dispose: true); // Serilog.Extensions.Hosting: Serilog is the logger factory
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton(settings);
        var systemd = notifier ?? SystemdNotifier.FromEnvironment(environment is null ? null : k => environment.GetValueOrDefault(k));
        builder.Services.AddSingleton(systemd);
        if (systemd.Enabled)
        {
            // Microsoft.Extensions.Hosting.Systemd's lifetime sends READY=1/STOPPING=1 and stops on SIGTERM. Chosen by
            // NOTIFY_SOCKET rather than by AddSystemd's parent-is-systemd check, so a test's socket sees the same.
            builder.Services.AddSingleton<ISystemdNotifier>(systemd);
            builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        builder.Services.AddSingleton<LatencyService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LatencyService>());
        builder.Services.AddDpcPiObservability(settings.Metrics, settings.Dashboard); // after the service: started after it, stopped before it
        return builder.Build();
    }

    public static ConfigurationManager BuildConfiguration(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        string? configFile = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--config")
            {
                if (i + 1 >= args.Count)
                {
                    throw new CliException("dpcpi run: option --config needs a value");
                }

                configFile = args[++i];
            }
            else if (a.StartsWith("--config=", StringComparison.Ordinal))
            {
                configFile = a["--config=".Length..];
            }
            else if (a is "--source" or "--backend" || a.StartsWith("--source=", StringComparison.Ordinal) || a.StartsWith("--backend=", StringComparison.Ordinal))
            {
                // latency's and lab's flag: the service takes the same choice from its configuration.
                throw new CliException($"dpcpi run: {a.Split('=')[0]} is a latency/lab flag; the service reads its source from configuration: --Source:Kind=timer|fake|gpio|sdg");
            }
            else if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2 || (!a.Contains('=', StringComparison.Ordinal) && (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))))
            {
                throw new CliException($"dpcpi run: argument '{a}' is not valid; allowed: --config FILE and settings as --Section:Key=value (see 'dpcpi run --help')");
            }
            else
            {
                rest.Add(a);
            }
        }

        var config = new ConfigurationManager();
        try
        {
            if (configFile is not null)
            {
                var full = Path.GetFullPath(configFile);
                if (!File.Exists(full))
                {
                    throw new CliException($"dpcpi run: configuration file {configFile} does not exist");
                }

                config.AddJsonFile(full, optional: false, reloadOnChange: false);
            }
            else
            {
                config.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or JsonException)
        {
            throw new CliException($"dpcpi run: configuration file {configFile ?? "appsettings.json"} is not valid JSON: {FirstLine(ex.InnerException?.Message ?? ex.Message)}");
        }

        var variables = environment ?? Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
        config.AddInMemoryCollection(SettingsFromEnvironment(variables));
        config.AddCommandLine(rest.ToArray());
        return config;
    }

    /// <summary>
    /// The DPCPI_Section__Key variables as Section:Key settings. A DPCPI_ variable without "__" is one of the tools'
    /// own (DPCPI_STIMULUS, DPCPI_SKIP_VM, DPCPI_VM_*...), not configuration, unless it starts with a section's name:
    /// then it is a setting with one underscore too few, refused rather than ignored.
    /// </summary>
    internal static IEnumerable<KeyValuePair<string, string?>> SettingsFromEnvironment(IReadOnlyDictionary<string, string?> variables)
    {
        foreach (var (name, value) in variables)
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var key = name[EnvironmentPrefix.Length..];
            if (key.Contains("__", StringComparison.Ordinal))
            {
                yield return KeyValuePair.Create(key.Replace("__", ":", StringComparison.Ordinal), value);
            }
            else if (ConfigValidator.Sections.FirstOrDefault(s => key.StartsWith(s + "_", StringComparison.OrdinalIgnoreCase) || key.Equals(s, StringComparison.OrdinalIgnoreCase)) is { } section)
            {
                throw new CliException($"dpcpi run: environment variable {name} is not a setting; settings are {EnvironmentPrefix}Section__Key with two underscores (e.g. {EnvironmentPrefix}{section}__{(key.Length > section.Length + 1 ? key[(section.Length + 1)..] : "Key")})");
            }
        }
    }

    /// <summary>Serilog from the "Serilog" section (sinks, levels); console at Information when there is none.</summary>
    public static Serilog.ILogger BuildLogger(IConfiguration config)
    {
        var lc = new LoggerConfiguration();
        if (config.GetSection("Serilog").Exists())
        {
            // Serilog skips a sink it cannot find without a word: the service would then log nothing at all.
            foreach (var sink in config.GetSection("Serilog:WriteTo").GetChildren())
            {
                var name = sink["Name"] ?? sink.Value;
                if (name is null || !s_sinks.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    throw new CliException($"dpcpi run: configuration Serilog:WriteTo:{sink.Key}:Name = {name ?? "(none)"} is not a known sink; allowed: {string.Join(", ", s_sinks)}");
                }
            }

            try
            {
                var options = new ConfigurationReaderOptions(typeof(ConsoleLoggerConfigurationExtensions).Assembly, typeof(FileLoggerConfigurationExtensions).Assembly);
                // Set first so a user's Serilog section can still override it deliberately.
                lc.MinimumLevel.Override("Microsoft.Extensions.Hosting", Serilog.Events.LogEventLevel.Fatal);
                lc.MinimumLevel.Override("Microsoft.Hosting.Lifetime", Serilog.Events.LogEventLevel.Warning); // the systemd lifetime's start/stop lines
                lc.ReadFrom.Configuration(config, options);
                return lc.CreateLogger();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or InvalidCastException or MissingMethodException)
            {
                throw new CliException($"dpcpi run: configuration Serilog is not valid: {FirstLine(ex.Message)}");
            }
        }

        return lc.MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            // A start failure (missing chip, busy line) reaches the user as dpcpi's one line and exit
            // code; the host's own "Hosting failed to start" entry would add a stack trace.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting", Serilog.Events.LogEventLevel.Fatal)
            .WriteTo.Console()
            .CreateLogger();
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
