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
          --warmup TIME              run the same source on a throwaway kernel first, unmeasured, so the
                                     JIT has compiled the path (default 500ms); --no-warmup skips it
        """;

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var (options, quiet, histogramUs, deadlineUs, requested) = Parse(args);
        ReportWriter.Check(requested); // a bad path fails now, not after the run
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
        var report = LatencyReport.FromRun(session.Result(), deadlineUs * 1000, (int)histogramUs);
        output.Write(TerminalReportRenderer.ToText(report, TerminalStyle.Detect(output)));
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

        return Task.FromResult(session.SourceFailure is null ? ExitCodes.Ok : ExitCodes.Device);
    }

    internal static (LatencySessionOptions Options, bool Quiet, long HistogramUs, long DeadlineUs, ReportPaths Paths) Parse(IReadOnlyList<string> args)
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
        var paths = r.String(null, "out") is { } dir ? ReportPaths.InDirectory(dir) : new ReportPaths();
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

        r.EnsureEmpty();
        SessionArgs.Validate(r, options);
        return (options, quiet, histogramUs, deadlineUs, paths);
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
