using System.Globalization;
using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Commands;
using DpcPi.Cli.Dashboard;
using DpcPi.Cli.Metrics;
using DpcPi.Kernel;
using DpcPi.Measurement;
using DpcPi.Platform;
using DpcPi.Reporting;
using Microsoft.Extensions.Configuration;

namespace DpcPi.Cli.Hosting;

/// <summary>
/// Reads and checks every DpcPi setting of `dpcpi run` before anything starts. Each mistake is one
/// <see cref="CliException"/> line naming the setting, the value and what is allowed (exit code 2).
/// </summary>
internal sealed class ConfigValidator
{
    private static readonly string[] s_kernelKeys = ["Processors", "IsrProcessor", "IsrPriority", "DpcPriority", "ThreadedDpcPriority", "Realtime", "LockMemory", "WaitStrategy", "DpcsOnIsrThread", "ThreadDpcEnable", "ExceptionPolicy", "Watchdog"];
    private static readonly string[] s_watchdogKeys = ["DpcLimitUs", "CumulativeLimitUs", "Policy"];
    private static readonly string[] s_sourceKeys = ["Kind", "IntervalUs", "Chip", "InputLine", "OutputLine", "DriveSysfs", "Stimulus", "Wiring", "SdgDriver", "FakeLatencyUs"];
    private static readonly string[] s_runKeys = ["DurationSeconds", "WarmupMs"];
    private static readonly string[] s_reportKeys = ["Json", "DeadlineUs", "AnalyzeUs"];
    private static readonly string[] s_sections = ["Kernel", "Source", "Run", "Report", "Metrics", "Dashboard", "Serilog"];

    /// <summary>The configuration's top-level sections; any other is refused.</summary>
    public static IReadOnlyList<string> Sections => s_sections;

    private readonly IConfiguration _config;
    private readonly int[] _allowedCpus;

    public ConfigValidator(IConfiguration config, int[]? allowedCpus = null)
    {
        _config = config;
        _allowedCpus = allowedCpus ?? ThreadControl.GetAllowedCpus();
    }

    public static RunSettings Validate(IConfiguration config, int[]? allowedCpus = null) => new ConfigValidator(config, allowedCpus).Validate();

    public RunSettings Validate()
    {
        // A misspelt section ("Kernal") would otherwise be ignored with everything in it.
        foreach (var section in _config.GetChildren())
        {
            if (!s_sections.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new CliException($"dpcpi run: configuration section {section.Key} is not known; allowed: {string.Join(", ", s_sections)}");
            }
        }

        Known("Kernel", s_kernelKeys);
        Known("Kernel:Watchdog", s_watchdogKeys);
        Known("Source", s_sourceKeys);
        Known("Run", s_runKeys);
        Known("Report", s_reportKeys);

        var kernel = LatencySessionOptions.DefaultKernel();
        kernel.Processors = Processors();
        var cpus = kernel.Processors ?? _allowedCpus;
        kernel.IsrProcessor = IsrProcessor(cpus);
        kernel.IsrPriority = Int("Kernel:IsrPriority", kernel.IsrPriority, 1, 99);
        kernel.DpcPriority = Int("Kernel:DpcPriority", kernel.DpcPriority, 1, 99);
        kernel.ThreadedDpcPriority = Int("Kernel:ThreadedDpcPriority", kernel.ThreadedDpcPriority, 1, 99);
        kernel.Realtime = Bool("Kernel:Realtime", kernel.Realtime);
        kernel.LockMemory = Bool("Kernel:LockMemory", kernel.LockMemory);
        kernel.WaitStrategy = Choice("Kernel:WaitStrategy", kernel.WaitStrategy, ("blocking", DpcWaitStrategy.Blocking), ("spin-then-block", DpcWaitStrategy.SpinThenBlock), ("busy-spin", DpcWaitStrategy.BusySpin));
        kernel.RunLocalDpcsOnIsrThread = Bool("Kernel:DpcsOnIsrThread", kernel.RunLocalDpcsOnIsrThread);
        kernel.ThreadDpcEnable = Bool("Kernel:ThreadDpcEnable", kernel.ThreadDpcEnable);
        kernel.ExceptionPolicy = Choice("Kernel:ExceptionPolicy", kernel.ExceptionPolicy, ("isolate", DpcExceptionPolicy.Isolate), ("fail-fast", DpcExceptionPolicy.FailFast));
        kernel.WatchdogDpcLimitNs = Int("Kernel:Watchdog:DpcLimitUs", kernel.WatchdogDpcLimitNs / 1000, 1, 1_000_000) * 1000;
        kernel.WatchdogCumulativeLimitNs = Int("Kernel:Watchdog:CumulativeLimitUs", kernel.WatchdogCumulativeLimitNs / 1000, 1, 60_000_000) * 1000;
        kernel.WatchdogPolicy = Choice("Kernel:Watchdog:Policy", kernel.WatchdogPolicy, ("count", WatchdogPolicy.Count), ("fail-fast", WatchdogPolicy.FailFast));

        var session = new LatencySessionOptions { Kernel = kernel };
        session.Source = Choice("Source:Kind", LatencySessionOptions.DefaultSource, ("timer", LatencySource.Timer), ("fake", LatencySource.Fake), ("gpio", LatencySource.Gpio), ("sdg", LatencySource.Sdg));
        session.IntervalNs = Int("Source:IntervalUs", 1000, LatencySessionOptions.MinimumIntervalUs(session.Source), LatencySessionOptions.MaximumIntervalUs, session.Source == LatencySource.Fake ? " for the fake source" : string.Empty) * 1000;
        var chip = Raw("Source:Chip");
        if (chip is not null)
        {
            if (chip.Trim().Length == 0)
            {
                throw Bad("Source:Chip", chip, "a GPIO chip name, path or label (e.g. gpiochip0)");
            }

            session.Chip = chip;
        }

        session.InputLine = (int)Int("Source:InputLine", session.InputLine, 0, 1023);
        session.OutputLine = (int)Int("Source:OutputLine", session.OutputLine, 0, 1023);
        session.DriveSysfs = Raw("Source:DriveSysfs") is { Length: > 0 } sysfs ? sysfs : null;
        session.StimulusPath = Raw("Source:Stimulus") is { Length: > 0 } stimulus ? stimulus : null;
        session.WiringFile = Raw("Source:Wiring") is { Length: > 0 } wiring ? wiring : null;
        if (Raw("Source:SdgDriver") is not null && session.Source != LatencySource.Sdg)
        {
            throw Bad("Source:SdgDriver", Raw("Source:SdgDriver")!, "only with Source:Kind = sdg");
        }

        if (session.Source == LatencySource.Sdg)
        {
            // The same driver choice as `latency --source sdg --sdg-driver`; the callbacks become the interrupts.
            SdgSource.Configure(session, Choice("Source:SdgDriver", SdgDriver.Libgpiod, ("libgpiod", SdgDriver.Libgpiod), ("sysfs", SdgDriver.Sysfs), ("dpcpi", SdgDriver.Dpcpi)));
        }
        session.FakeLatencyNs = Int("Source:FakeLatencyUs", 0, 0, LatencySessionOptions.MaximumFakeLatencyUs) * 1000;
        // As `latency --analyze US`: the flight recorder takes each interrupt at or over it apart, for the report and the dashboard.
        var analyzeUs = Int("Report:AnalyzeUs", 0, 0, 10_000_000, " (0 = off)");
        if (analyzeUs > 0)
        {
            session.FlightRecorder = new FlightRecorderSettings { AnalyzeThresholdNs = analyzeUs * 1000 };
        }

        try
        {
            session.Validate();
        }
        catch (LatencyOptionsException ex)
        {
            // The rules are the session options' (the CLI words the same ones as flags); the keys are the configuration's.
            var (key, allowed) = ex.Setting switch
            {
                LatencySetting.Interval => ("Source:IntervalUs", ex.Allowed),
                LatencySetting.DriveSysfs => ("Source:DriveSysfs", "only with Source:Kind = gpio or sdg"),
                LatencySetting.Stimulus => ("Source:Stimulus", "only with Source:Kind = gpio or sdg"),
                LatencySetting.Wiring when session.Source != LatencySource.Fake => ("Source:Wiring", "only with Source:Kind = fake"),
                LatencySetting.Wiring => ("Source:Wiring", ex.Allowed),
                LatencySetting.FakeLatency => ("Source:FakeLatencyUs", ex.Allowed),
                LatencySetting.OutputLine => ("Source:OutputLine", $"a line other than Source:InputLine ({session.InputLine})"),
                _ => (ex.Setting.ToString(), ex.Allowed),
            };
            throw Bad(key, ex.Value, allowed);
        }

        session.Warmup = TimeSpan.FromMilliseconds(Int("Run:WarmupMs", (long)session.Warmup.TotalMilliseconds, 0, 60_000));

        var durationText = Raw("Run:DurationSeconds");
        TimeSpan? duration = null;
        if (durationText is not null)
        {
            if (!double.TryParse(durationText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds) || seconds < 0 || seconds > 31_536_000)
            {
                throw Bad("Run:DurationSeconds", durationText, "a number of seconds from 0 to 31536000 (0 = until stopped)");
            }

            duration = seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;
        }

        var json = Raw("Report:Json") is { Length: > 0 } j ? j : null;
        if (json is not null)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(json));
            if (json.EndsWith('/') || (dir is not null && !Directory.Exists(dir)))
            {
                throw Bad("Report:Json", json, "a file path in an existing directory");
            }

            try
            {
                OutputFile.Check(json, "Report:Json");
            }
            catch (OutputException ex)
            {
                throw new CliException($"dpcpi run: configuration {ex.Message}", ex.DiskFull ? ExitCodes.DiskFull : ExitCodes.Usage);
            }
        }

        var deadlineUs = Int("Report:DeadlineUs", 1000, 1, 10_000_000);
        var metrics = MetricsSettings.Read(_config);
        var dashboard = DashboardSettings.Read(_config);
        return new RunSettings { Session = session, Duration = duration, JsonPath = json, DeadlineNs = deadlineUs * 1000, Metrics = metrics, Dashboard = dashboard };
    }

    private static CliException Bad(string key, string value, string allowed) => ConfigKeys.Bad(key, value, allowed);

    private string? Raw(string key) => _config[key];

    private void Known(string section, string[] keys) => ConfigKeys.Known(_config, section, keys);

    private long Int(string key, long defaultValue, long min, long max, string suffix = "")
    {
        var text = Raw(key);
        if (text is null)
        {
            return defaultValue;
        }

        if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Bad(key, text, $"{min}-{max}{suffix}");
        }

        return value;
    }

    private int Int(string key, int defaultValue, int min, int max) => (int)Int(key, (long)defaultValue, min, max);

    private bool Bool(string key, bool defaultValue)
    {
        var text = Raw(key);
        if (text is null)
        {
            return defaultValue;
        }

        return text.Trim().ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw Bad(key, text, "true, false"),
        };
    }

    private T Choice<T>(string key, T defaultValue, params (string Name, T Value)[] options)
    {
        var text = Raw(key);
        if (text is null)
        {
            return defaultValue;
        }

        foreach (var (name, value) in options)
        {
            if (string.Equals(text.Trim(), name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw Bad(key, text, string.Join(", ", options.Select(o => o.Name)));
    }

    private int[]? Processors()
    {
        var section = _config.GetSection("Kernel:Processors");
        var allowed = $"CPUs this machine allows ({string.Join(",", _allowedCpus)})";
        var list = new List<int>();
        if (!string.IsNullOrEmpty(section.Value))
        {
            // "0,1" or "2-3" as one string.
            foreach (var part in section.Value.Split(',', StringSplitOptions.TrimEntries))
            {
                var range = part.Split('-');
                if (range.Length is 1 or 2 && range.All(r => int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                {
                    var from = int.Parse(range[0], CultureInfo.InvariantCulture);
                    var to = int.Parse(range[^1], CultureInfo.InvariantCulture);
                    if (from <= to && Enumerable.Range(from, to - from + 1).All(_allowedCpus.Contains))
                    {
                        list.AddRange(Enumerable.Range(from, to - from + 1));
                        continue;
                    }
                }

                throw Bad("Kernel:Processors", section.Value, allowed);
            }
        }

        foreach (var child in section.GetChildren())
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                throw new CliException($"dpcpi run: configuration Kernel:Processors:{child.Key} is not a known setting; allowed: a list of CPU numbers");
            }

            var text = child.Value ?? string.Empty;
            if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var cpu) || !_allowedCpus.Contains(cpu))
            {
                throw Bad($"Kernel:Processors:{child.Key}", text, allowed);
            }

            list.Add(cpu);
        }

        return list.Count == 0 ? null : list.Distinct().ToArray();
    }

    private int IsrProcessor(IReadOnlyList<int> cpus)
    {
        var text = Raw("Kernel:IsrProcessor");
        if (text is null)
        {
            return -1;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cpu) || (cpu != -1 && !cpus.Contains(cpu)))
        {
            throw Bad("Kernel:IsrProcessor", text, $"-1 (the last DPC core) or one of {string.Join(",", cpus)}");
        }

        return cpu;
    }
}
