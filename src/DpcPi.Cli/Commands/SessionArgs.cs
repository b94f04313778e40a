using DpcPi.Cli.CommandLine;
using DpcPi.Kernel;
using DpcPi.Measurement;
using DpcPi.Platform;

namespace DpcPi.Cli.Commands;

/// <summary>The source and kernel flags that every measuring command (latency, soak) shares.</summary>
internal static class SessionArgs
{
    /// <summary>Reads --source/--chip/--input-line/--output-line/--wiring, -p, -a, -m, --no-realtime, --wait-strategy, -i and --warmup/--no-warmup.</summary>
    public static LatencySessionOptions Read(ArgReader r)
    {
        var kernel = LatencySessionOptions.DefaultKernel();
        var options = new LatencySessionOptions { Kernel = kernel };
        // One vocabulary: --backend (as `lab` spells it) is --source, and Source:Kind in `run`'s configuration.
        var source = r.Enum<LatencySource>(null, "source");
        var backend = r.Enum<LatencySource>(null, "backend");
        if (source is not null && backend is not null && source != backend)
        {
            throw r.Error("--source and --backend name the same thing (where the interrupts come from); give one");
        }

        options.Source = source ?? backend ?? LatencySessionOptions.DefaultSource;
        options.Chip = r.String(null, "chip") ?? options.Chip;
        var inputLine = r.Integer(null, "input-line", 0, 1023);
        var outputLine = r.Integer(null, "output-line", 0, 1023);
        options.InputLine = (int)(inputLine ?? options.InputLine);
        options.OutputLine = (int)(outputLine ?? options.OutputLine);
        options.WiringFile = r.String(null, "wiring");
        if (options.WiringFile is not null && (inputLine is not null || outputLine is not null))
        {
            throw r.Error("--input-line/--output-line: with --wiring the lines come from the wiring file (its wire from an output pin to an input pin)");
        }
        if (r.Integer("p", "priority", 1, 99) is { } priority)
        {
            kernel.IsrPriority = (int)priority;
            kernel.DpcPriority = (int)Math.Max(1, priority - 1);
            kernel.ThreadedDpcPriority = (int)Math.Max(1, priority - 10);
        }

        if (r.CpuList("a", "affinity") is { } cpus)
        {
            var allowed = ThreadControl.GetAllowedCpus();
            var missing = cpus.Where(c => !allowed.Contains(c)).ToArray();
            if (missing.Length > 0)
            {
                throw r.Error($"-a/--affinity: CPU {missing[0]} is not available; this machine allows {string.Join(",", allowed)}");
            }

            kernel.Processors = cpus;
        }

        kernel.LockMemory = r.Flag("m", "mlockall");
        kernel.Realtime = !r.Flag(null, "no-realtime");
        kernel.WaitStrategy = r.Enum<DpcWaitStrategy>(null, "wait-strategy") ?? DpcWaitStrategy.SpinThenBlock;
        var inline = r.Flag(null, "inline-dpcs");
        var worker = r.Flag(null, "worker-dpcs");
        if (inline && worker)
        {
            throw r.Error("--inline-dpcs and --worker-dpcs exclude each other (the ISR thread runs its core's DPCs by default)");
        }

        kernel.RunLocalDpcsOnIsrThread = !worker;
        var sdgDriver = r.Enum<SdgDriver>(null, "sdg-driver");
        if (options.Source == LatencySource.Sdg)
        {
            SdgSource.Configure(options, sdgDriver ?? SdgDriver.Libgpiod);
        }
        else if (sdgDriver is not null)
        {
            throw r.Error("--sdg-driver needs --source sdg");
        }
        options.IntervalNs = (r.Integer("i", "interval", 10, 10_000_000) ?? 1000) * 1000;
        if (r.Duration(null, "warmup") is { } warmup)
        {
            options.Warmup = warmup;
        }

        if (r.Flag(null, "no-warmup"))
        {
            options.Warmup = TimeSpan.Zero;
        }

        return options;
    }

    /// <summary>Checks what only makes sense once every flag is read: <see cref="LatencySessionOptions.Validate"/>'s rules, worded as flags.</summary>
    public static void Validate(ArgReader r, LatencySessionOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (LatencyOptionsException ex)
        {
            throw r.Error(ex.Setting switch
            {
                LatencySetting.Interval when options.Source == LatencySource.Fake =>
                    $"-i/--interval below {LatencySessionOptions.MinimumIntervalUs(LatencySource.Fake)} µs is not meaningful for the fake source (the stimulus thread paces it)",
                LatencySetting.Interval => $"-i/--interval {ex.Value} is not valid; allowed: {ex.Allowed}",
                LatencySetting.DriveSysfs => "--drive-sysfs needs --source gpio or sdg",
                LatencySetting.Stimulus => "--stimulus needs --source gpio or sdg",
                LatencySetting.Wiring when options.Source != LatencySource.Fake => "--wiring needs --source fake",
                LatencySetting.Wiring => $"--wiring {ex.Value}: the file does not exist",
                LatencySetting.OutputLine => $"--output-line {ex.Value} is not valid; allowed: {ex.Allowed}",
                _ => ex.Message,
            });
        }
    }
}
