// Logging here runs on thread-pool timers and at start/stop only, never on the measuring threads.
#pragma warning disable CA1873

using System.Globalization;
using DpcPi.Cli.CommandLine;
using DpcPi.Kernel;
using DpcPi.Measurement;
using DpcPi.Platform;
using DpcPi.Reporting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DpcPi.Cli.Hosting;

/// <summary>
/// The `dpcpi run` service: a <see cref="LatencySession"/> (dedicated ISR and DPC threads) started in
/// <see cref="StartAsync"/> and stopped, flushed and reported in <see cref="StopAsync"/>. Logging,
/// systemd status and watchdog pings happen on thread-pool timers, never on the measuring threads.
/// </summary>
internal sealed class LatencyService : IHostedService, IDisposable
{
    private static readonly TimeSpan s_stopBudget = TimeSpan.FromMilliseconds(1500);
    private readonly RunSettings _settings;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<LatencyService> _log;
    private readonly SystemdNotifier _notifier;
    private readonly Lock _lock = new();
    private Timer? _secondTimer;
    private Timer? _watchdogTimer;
    private Timer? _durationTimer;
    private int _second;
    private long _lastProgress = -1;
    private volatile KernelFault? _fault;
    private volatile Exception? _sourceFailure;
    private OutputException? _reportFailure;
    private bool _stopped;
    private KernelSnapshot? _status; // the second timer's, refreshed every second without allocating

    public LatencyService(RunSettings settings, IHostApplicationLifetime lifetime, ILogger<LatencyService> log, SystemdNotifier notifier)
    {
        _settings = settings;
        _lifetime = lifetime;
        _log = log;
        _notifier = notifier;
    }

    public LatencySession? Session { get; private set; }

    /// <summary>The kernel's fail-fast fault, if one stopped the run.</summary>
    public KernelFault? Fault => _fault;

    /// <summary>Set once stopping began (the dashboard shows the run as stopped).</summary>
    public bool Stopping => Volatile.Read(ref _stopped);

    /// <summary>Set once the final report is written.</summary>
    public bool Reported { get; private set; }

    /// <summary>WATCHDOG=1 pings sent so far.</summary>
    public long WatchdogPings { get; private set; }

    /// <summary>The exit code the run ends with: 0, 3 (device failed), 4 (watchdog), 5 (DPC exception), or 2/6 when its report could not be written (6: disk full).</summary>
    public int ExitCode => _fault switch
    {
        { Code: "DPC_WATCHDOG_VIOLATION" } => ExitCodes.WatchdogViolation,
        not null => ExitCodes.DpcException,
        _ when (_sourceFailure ?? Session?.SourceFailure) is not null => ExitCodes.Device,
        _ => _reportFailure?.DiskFull switch
        {
            true => ExitCodes.DiskFull,
            false => ExitCodes.Usage,
            null => ExitCodes.Ok,
        },
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var session = new LatencySession(_settings.Session);
        Session = session;
        session.Start(cancellationToken);
        if (session.ColdStartWarning is { } cold)
        {
            _log.LogWarning("{ColdStart}", cold);
        }

        var k = session.Kernel;
        _ = k.Figures.Faulted.ContinueWith(t => OnFault(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        _secondTimer = new Timer(_ => OnSecond(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        if (_notifier.WatchdogInterval is { } ping)
        {
            _watchdogTimer = new Timer(_ => OnWatchdog(), null, TimeSpan.Zero, ping);
        }

        if (_settings.Duration is { } duration)
        {
            _durationTimer = new Timer(_ => _lifetime.StopApplication(), null, duration, Timeout.InfiniteTimeSpan);
        }

        _log.LogInformation(
            "measuring: source {Source}, interval {IntervalUs} µs, cores {Cores} (ISR on {IsrCpu}), {Guarantees}",
            session.SourceName,
            _settings.Session.IntervalNs / 1000,
            string.Join(",", k.Processors),
            k.Figures.IsrProcessor,
            k.Figures.Guarantees);
        // READY=1 follows from SystemdLifetime once every hosted service has started; STATUS= from the first second.
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
        }

        // STOPPING=1 went out from SystemdLifetime when the host began to stop.
        await DisposeTimersAsync().ConfigureAwait(false);
        var session = Session;
        if (session is null)
        {
            return;
        }

        // Stop the sources, flush what is queued, stop the kernel: bounded so systemd never has to SIGKILL us.
        var stop = Task.Run(session.Stop, CancellationToken.None);
        if (!stop.Wait(s_stopBudget, CancellationToken.None))
        {
            _log.LogWarning("stopping the session took longer than {Budget} ms; reporting what was measured so far", s_stopBudget.TotalMilliseconds);
        }
        else if (session.ShutdownProblem is { } problem)
        {
            _log.LogWarning("queued DPCs never ran, so their figures are missing: {Problem}", problem);
        }

        LogEvents(session.Kernel);
        WriteReport(session);
    }

    public void Dispose()
    {
        _secondTimer?.Dispose();
        _watchdogTimer?.Dispose();
        _durationTimer?.Dispose();
        Session?.Dispose();
    }

    /// <summary>Kernel progress that only moves while the ISR thread delivers: clock ticks plus DPCs run.</summary>
    internal long Progress()
    {
        var session = Session;
        if (session is null)
        {
            return 0;
        }

        var k = session.Kernel;
        return k.Figures.ClockTicks + session.Completed + k.Figures.GetProcessorStatistics().Sum(s => s.DpcsRun + s.ThreadedDpcsRun);
    }

    /// <summary>The one-line status of the run (log and systemd STATUS=) from <paramref name="snapshot"/>.</summary>
    internal string StatusLine(KernelSnapshot snapshot)
    {
        var session = Session!;
        var h = snapshot.EdgeToDpcStart;
        return string.Create(CultureInfo.InvariantCulture, $"interrupts={session.Interrupts} dpcs={session.Completed} p99={h.GetValueAtPercentile(99) / 1000.0:F1}us max={h.Max / 1000.0:F1}us");
    }

    private void OnSecond()
    {
        try
        {
            var session = Session;
            if (session is null || _stopped)
            {
                return;
            }

            var k = session.Kernel;
            LogEvents(k);
            var snapshot = _status ??= new KernelSnapshot(k, SnapshotDetail.Totals);
            snapshot.Refresh();
            var second = (int)((MonotonicClock.NowNs - k.Figures.EpochNs) / 1_000_000_000) - 1;
            var max = snapshot.MaxInSecond(Math.Max(0, second));
            var status = StatusLine(snapshot);
            _log.LogInformation("T:{Second}s {Status} max(this s)={MaxUs:F1}us", ++_second, status, max / 1000.0);
            _notifier.Send("STATUS=" + status);
            if (session.SourceFailure is { } failure && _sourceFailure is null)
            {
                _sourceFailure = failure;
                _log.LogError("interrupt source failed: {Message}", failure.Message);
                _lifetime.StopApplication();
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // the session is being torn down
        }
    }

    private void OnWatchdog()
    {
        var progress = Progress();
        if (progress > _lastProgress)
        {
            _lastProgress = progress;
            if (_notifier.Send("WATCHDOG=1"))
            {
                WatchdogPings++;
            }
        }
        else
        {
            _log.LogWarning("no kernel progress since the last watchdog ping ({Progress}); not pinging systemd", progress);
        }
    }

    private void OnFault(KernelFault fault)
    {
        _fault = fault;
        _log.LogCritical(fault.Exception, "kernel fault {Code} on CPU {Cpu} ({Routine}): {Message}", fault.Code, fault.Cpu, fault.Routine, fault.Message);
        _lifetime.StopApplication();
    }

    private void LogEvents(DpcKernel k)
    {
        foreach (var e in k.Figures.DrainEvents())
        {
            if (e.Kind == "watchdog")
            {
                _log.LogWarning("{Kind} on CPU {Cpu} ({Routine}): {Message}", e.Kind, e.Cpu, e.Routine, e.Message);
            }
            else
            {
                _log.LogError(e.Exception, "{Kind} on CPU {Cpu} ({Routine}): {Message}", e.Kind, e.Cpu, e.Routine, e.Message);
            }
        }
    }

    private void WriteReport(LatencySession session)
    {
        var run = session.Result();
        var snapshot = run.Snapshot;
        // The service's own accounting (ISR interrupts, DPC runs, coalesced inserts, what stayed queued) goes into
        // the report itself, so its JSON is written once, never read back and patched.
        var service = new ServiceReport(session.Interrupts, snapshot.DeviceInterrupts, snapshot.ClockTicks, snapshot.DpcsRun, snapshot.CoalescedInserts, snapshot.Queued, _fault?.Code, ExitCode);
        var report = LatencyReport.FromRun(run, _settings.DeadlineNs, runInfo: new Dictionary<string, string> { ["mode"] = "service" }, service: service);
        _log.LogInformation("final report:{NewLine}{Report}", Environment.NewLine, TerminalReportRenderer.ToText(report).TrimEnd());
        if (_settings.JsonPath is { } path)
        {
            try
            {
                OutputFile.Write(path, stream => LatencyJsonWriter.Write(stream, report));
                _log.LogInformation("json report: {Path}", path);
            }
            catch (OutputException ex)
            {
                // The report is in the log above; the exit code tells systemd the file is not.
                _reportFailure = ex;
                _log.LogError("could not write the json report: {Message}", ex.Message);
            }
        }

        Reported = true;
    }

    private async Task DisposeTimersAsync()
    {
        foreach (var timer in new[] { _secondTimer, _watchdogTimer, _durationTimer })
        {
            if (timer is not null)
            {
                await timer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
