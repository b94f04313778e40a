using System.Globalization;
using DpcPi.Cli.CommandLine;
using DpcPi.Measurement;
using DpcPi.Reporting;

namespace DpcPi.Cli.Commands;

/// <summary>`dpcpi latency`: cyclictest's measurement, through the ISR → DPC path, reported every way engineers read it.</summary>
internal sealed class LatencyCommand : ICommand
{
    public string Name => "latency";

    public string Summary => "measure interrupt→DPC latency on a timer, a GPIO loopback or the fake backend";

    public string Usage => """
        usage: dpcpi latency [options]

        source:
          --source timer|fake|gpio|sdg   (or --backend, as lab spells it) timer: timerfd on the ISR thread (default); fake:
                                     virtual loopback jumper (no Pi needed); gpio: a real output wired to an input; sdg: the
                                     same wire, read through a System.Device.Gpio driver's callbacks (no kernel timestamps)
          --sdg-driver libgpiod|sysfs|dpcpi   the System.Device.Gpio driver of --source sdg (default libgpiod)
          --chip NAME                GPIO chip name, path or label (gpio source; default gpiochip0)
          --input-line N             input line offset taking the edges (default 27)
          --output-line N            output line offset the tool toggles (default 17)
          --drive-sysfs FILE         drive the input through a gpio-sim pull file instead of an output
          --stimulus PATH            the dpcpi-stimulus helper that makes the gpio edges in its own process
                                     (default: $DPCPI_STIMULUS, else the one built next to dpcpi)
          --wiring FILE              fake source: build the loopback from this wiring file (its wire from
                             an output to an input pin gives the lines)

        cyclictest-compatible:
          -p, --priority N           SCHED_FIFO priority of the ISR thread (1-99, default 49; DPC workers run one below)
          -a, --affinity CPUS        cores for the DPC queues, ISR on the last one (e.g. 1 or 0,1)
          -m, --mlockall             lock memory (mlockall)
          -i, --interval US          interval between interrupts in µs (default 1000)
          -l, --loops N              stop after N interrupts
          -D, --duration TIME        stop after TIME (e.g. 10s, 5m); default (and -D 0): until Ctrl-C
          -h, --histogram US         print a 1 µs-bucket histogram up to US µs with overflows
          -q, --quiet                no per-second lines, only the final report
              --json FILE            write the report as JSON (docs/latency-report.schema.json)
              --hgrm FILE / --csv FILE / --svg FILE / --png FILE   HdrHistogram percentile text, CSV, SVG plot, PNG
              --out DIR              write every format into DIR: latency.json, latency.hgrm, latency.csv,
                                     latency-timeline.csv, latency.svg, latency.png, latency.txt

        also:
          --wait-strategy blocking|spin-then-block|busy-spin   how idle DPC workers wait (default spin-then-block)
          --worker-dpcs              run the DPCs an ISR queues on its own core on that core's worker thread;
                                     by default (--inline-dpcs) the ISR thread runs them when it returns, as
                                     Windows does when the IRQL drops, with no worker wake-up
          --tick US                  clock interrupt period in µs (default 1000; Windows' classic tick is 15625)
          --deadline US              deadline for the verdict (default 1000)
          --no-realtime              do not ask for SCHED_FIFO (runs without the capability anyway)
          --analyze US               take apart every interrupt whose edge→DPC-start reaches US µs (ISR wake, ISR
                                     queueing, ISR, DPCs ahead by name, worker wake-up, runnable-not-running,
                                     page faults, steal), in total and the first few, with a cause (rtla -a);
                                     not -a, which is cyclictest's affinity
          --break US                 stop at the first interrupt whose edge→DPC-start reaches US µs and write the
                                     flight recorder's last events as a Chrome trace (Perfetto); exit code 7
          --break-continue           with --break: keep running, keep each such window (up to 16) in the trace
          --trace FILE               where --break writes its trace (default dpcpi-break.json, or
                                     latency-break.json in --out DIR)
          --flight-events N          events the flight recorder keeps per thread (power of two, default 1024)
          --warmup TIME              run the same source on a throwaway kernel first, unmeasured, so the
                                     JIT has compiled the path (default 500ms); --no-warmup skips it
        """;

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var (options, quiet, histogramUs, deadlineUs, requested, tracePath) = Parse(args);
        ReportWriter.Check(requested); // a bad path fails now, not after the run
        OutputFile.Check(tracePath, "--trace");
        using var session = new LatencySession(options);
        if (!quiet && options.Warmup > TimeSpan.Zero)
        {
            output.WriteLine($"warm-up: {options.Warmup.TotalMilliseconds:0} ms of interrupts on a throwaway kernel, so the JIT has compiled the path; not measured (--no-warmup to skip)");
        }

        session.Start(cancellationToken);
        if (session.ColdStartWarning is { } cold)
        {
            output.WriteLine(cold);
        }

        // The live view ends with the run: it must not outlive the command and write to an output its caller closed.
        using var liveViewStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = quiet ? null : new Thread(() => LiveView(session, options, output, liveViewStop.Token)) { IsBackground = true, Name = "live-view" };
        progress?.Start();
        session.Wait(cancellationToken);
        liveViewStop.Cancel();
        progress?.Join();
        session.Stop();
        var run = session.Result();
        var report = LatencyReport.FromRun(run, deadlineUs * 1000, (int)histogramUs);
        output.Write(TerminalReportRenderer.ToText(report, TerminalStyle.Detect(output)));
        if (run.BreakWindows.Count > 0 && tracePath is not null)
        {
            ChromeTraceWriter.Write(tracePath, run.BreakWindows);
            output.WriteLine(run.Broke
                ? $"break: an interrupt reached {options.FlightRecorder.BreakThresholdNs / 1000} µs edge→DPC-start; the run stopped there (exit code {ExitCodes.BreakThreshold})"
                : $"break: {run.Breaks} interrupt(s) reached {options.FlightRecorder.BreakThresholdNs / 1000} µs edge→DPC-start ({run.BreakWindows.Count} kept in the trace)");
            output.WriteLine($"trace: {tracePath} (open in ui.perfetto.dev or chrome://tracing; the late DPC's slice is named LATE)");
        }

        var paths = requested;
        ReportWriter.WriteAll(report, paths);
        foreach (var (kind, path) in new[] { ("json", paths.Json), ("hgrm", paths.Hgrm), ("csv", paths.Csv), ("svg", paths.Svg), ("png", paths.Png) })
        {
            if (path is not null)
            {
                output.WriteLine(kind == "png" && !PngPlotWriter.Available ? $"png report: not written ({PngPlotWriter.UnavailableReason})" : $"{kind} report: {path}");
            }
        }

        if (session.SourceCaveat is { } caveat)
        {
            output.WriteLine($"note: {caveat}");
        }

        if (session.SourceFailure is { } failure)
        {
            output.WriteLine($"source failed while running: {failure.Message}");
        }

        if (session.ShutdownProblem is { } stuck)
        {
            output.WriteLine($"stop: queued DPCs never ran, so their figures are missing: {stuck}");
        }

        return Task.FromResult(session.SourceFailure is not null ? ExitCodes.Device
            : session.ShutdownProblem is not null ? ExitCodes.Failed
            : run.Breaks > 0 ? ExitCodes.BreakThreshold : ExitCodes.Ok);
    }

    internal static (LatencySessionOptions Options, bool Quiet, long HistogramUs, long DeadlineUs, ReportPaths Paths, string? TracePath) Parse(IReadOnlyList<string> args)
    {
        var r = new ArgReader("latency", args);
        var options = SessionArgs.Read(r);
        var kernel = options.Kernel;
        options.DriveSysfs = r.String(null, "drive-sysfs");
        options.StimulusPath = r.String(null, "stimulus");
        options.Loops = r.Integer("l", "loops", 1, long.MaxValue / 2) ?? 0;
        options.Duration = r.Duration("D", "duration") is { } d && d > TimeSpan.Zero ? d : null; // -D 0: until stopped, as cyclictest
        var histogramUs = r.Integer("h", "histogram", 1, 1_000_000) ?? 0;
        var quiet = r.Flag("q", "quiet");
        var outDir = r.String(null, "out");
        var paths = outDir is { } dir ? ReportPaths.InDirectory(dir) : new ReportPaths();
        paths = paths with
        {
            Json = r.String(null, "json") ?? paths.Json,
            Hgrm = r.String(null, "hgrm") ?? paths.Hgrm,
            Csv = r.String(null, "csv") ?? paths.Csv,
            Svg = r.String(null, "svg") ?? paths.Svg,
            Png = r.String(null, "png") ?? paths.Png,
        };
        var deadlineUs = r.Integer(null, "deadline", 1, 10_000_000) ?? 1000;
        if (r.Integer(null, "tick", 100, 1_000_000) is { } tickUs)
        {
            kernel.ClockTickIntervalNs = tickUs * 1000;
        }
        if (histogramUs > 0)
        {
            kernel.OutlierThresholdNs = histogramUs * 1000;
        }

        // --analyze, not -a: -a is cyclictest's (and dpcpi's) affinity, and scripts written for cyclictest pass it.
        var analyzeUs = r.Integer(null, "analyze", 1, 10_000_000);
        var breakUs = r.Integer(null, "break", 1, 10_000_000);
        var breakContinue = r.Flag(null, "break-continue");
        var trace = r.String(null, "trace");
        var flightEvents = r.Integer(null, "flight-events", 16, 1 << 20);
        if (breakContinue && breakUs is null)
        {
            throw r.Error("--break-continue needs --break US (the threshold that records a window)");
        }

        if (trace is not null && breakUs is null)
        {
            throw r.Error("--trace needs --break US (the trace is the flight recorder's window at a break)");
        }

        if (flightEvents is { } n && (n & (n - 1)) != 0)
        {
            throw r.Error($"--flight-events {n} is not valid; allowed: a power of two from 16 to {1 << 20}");
        }

        if (flightEvents is not null && analyzeUs is null && breakUs is null)
        {
            throw r.Error("--flight-events needs --analyze or --break (the flight recorder is off without them)");
        }

        options.FlightRecorder = new FlightRecorderSettings
        {
            Events = (int)(flightEvents ?? 1024),
            AnalyzeThresholdNs = analyzeUs * 1000,
            BreakThresholdNs = breakUs * 1000,
            BreakContinue = breakContinue,
        };
        var tracePath = breakUs is null ? null : trace ?? (outDir is not null ? Path.Combine(outDir, "latency-break.json") : "dpcpi-break.json");

        r.EnsureEmpty();
        SessionArgs.Validate(r, options);
        return (options, quiet, histogramUs, deadlineUs, paths, tracePath);
    }

    private static void LiveView(LatencySession session, LatencySessionOptions options, TextWriter output, CancellationToken token)
    {
        var second = 0;
        var snapshot = new KernelSnapshot(session.Kernel, SnapshotDetail.Totals); // refreshed every second, allocation-free
        while (!token.WaitHandle.WaitOne(1000) && session.ElapsedNs > 0)
        {
            snapshot.Refresh();
            var max = snapshot.MaxInSecond(second);
            var total = snapshot.EdgeToDpcStart;
            var progress = options.Loops > 0 ? $" {100.0 * session.Interrupts / options.Loops,5:F1}%" : string.Empty;
            lock (output)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"T:{second + 1,4}s{progress} C:{session.Interrupts,9} max/s:{max / 1000.0,9:F1} µs  Max:{total.Max / 1000.0,9:F1} µs  Avg:{total.Mean / 1000.0,7:F1} µs"));
            }

            second++;
            if (options.Loops > 0 && session.Interrupts >= options.Loops)
            {
                return;
            }
        }
    }
}
