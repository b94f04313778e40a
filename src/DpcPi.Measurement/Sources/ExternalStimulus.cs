using System.Diagnostics;
using System.Globalization;
using DpcPi.Gpio;
using DpcPi.Platform;

namespace DpcPi.Measurement;

/// <summary>
/// The edge generator of a real-kernel run: the <c>dpcpi-stimulus</c> process (src/DpcPi.Stimulus), at normal
/// priority and outside the measured process, so the SCHED_FIFO ISR and DPC threads cannot starve it and the
/// runtime's JIT and GC cannot delay it. It sleeps one interval, then writes, so a late wake-up never turns into
/// back-to-back edges the kernel would merge.
/// </summary>
internal sealed class ExternalStimulus : IDisposable
{
    /// <summary>The helper's file name, next to dpcpi (the build compiles it there).</summary>
    public const string FileName = "dpcpi-stimulus";

    private readonly Process _process;
    private long _generated = -1;

    private int _disposed; // 1 once Dispose ran: the Process object is gone, Stop and HasExited answer without it

    private ExternalStimulus(Process process) => _process = process;

    /// <summary>True once the process has made its edges (or failed).</summary>
    public bool HasExited => Volatile.Read(ref _disposed) != 0 || _process.HasExited;

    /// <summary>Edges the process made: its own count, known after it exited; 0 before.</summary>
    public long Generated => Math.Max(Volatile.Read(ref _generated), 0);

    /// <summary>The process's last line (its figures, or its error), for the report.</summary>
    public string? Summary { get; private set; }

    /// <summary>The helper to run: <paramref name="explicitPath"/>, else $DPCPI_STIMULUS, else the one next to dpcpi.</summary>
    public static string Locate(string? explicitPath)
    {
        var path = explicitPath ?? Environment.GetEnvironmentVariable("DPCPI_STIMULUS") ?? Path.Combine(AppContext.BaseDirectory, FileName);
        return File.Exists(path)
            ? path
            : throw new GpioException($"the stimulus helper {path} does not exist: the build compiles it from src/DpcPi.Stimulus with gcc (install gcc and rebuild), or give its path with --stimulus PATH");
    }

    /// <summary>Starts the helper on a gpio-sim pull file (<paramref name="pullFile"/>) or an output line of a chip; <paramref name="edges"/> 0 runs until <see cref="Stop"/>.</summary>
    public static ExternalStimulus Start(string executable, string? pullFile, string? chipPath, int outputLine, long intervalNs, long edges)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (pullFile is not null)
        {
            info.ArgumentList.Add("--pull");
            info.ArgumentList.Add(pullFile);
        }
        else
        {
            info.ArgumentList.Add("--chip");
            info.ArgumentList.Add(chipPath ?? throw new ArgumentNullException(nameof(chipPath)));
            info.ArgumentList.Add("--line");
            info.ArgumentList.Add(outputLine.ToString(CultureInfo.InvariantCulture));
        }

        info.ArgumentList.Add("--interval-us");
        info.ArgumentList.Add(Math.Max(1, intervalNs / 1000).ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--edges");
        info.ArgumentList.Add(edges.ToString(CultureInfo.InvariantCulture));
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new GpioException($"could not start the stimulus helper {executable}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new GpioException($"could not start the stimulus helper {executable}: {ex.Message}", ex);
        }

        var stimulus = new ExternalStimulus(process);
        process.OutputDataReceived += (_, e) => stimulus.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => stimulus.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return stimulus;
    }

    /// <summary>Parses the helper's "STIMULUS: generated=N ..." line (public for its tests).</summary>
    public static long? ParseGenerated(string line)
    {
        const string Key = "generated=";
        if (!line.StartsWith("STIMULUS:", StringComparison.Ordinal))
        {
            return null;
        }

        var at = line.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var digits = line.AsSpan(at + Key.Length);
        var end = digits.IndexOf(' ');
        return long.TryParse(end < 0 ? digits : digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>Waits for a counted run to end by itself; false when it is still running after <paramref name="timeout"/>.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout) && _process.WaitForExit(Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Stops the helper (SIGTERM: it reports what it made), waiting up to 2 s before it is killed. Safe to call
    /// again and after <see cref="Dispose"/> (a host's stop and a source's dispose both end the run).
    /// </summary>
    public void Stop()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _ = ProcessSignals.Terminate(_process.Id);
            if (!_process.WaitForExit(2000))
            {
                _process.Kill();
            }
        }

        _process.WaitForExit(); // also drains the redirected output, so Generated is final
    }

    public void Dispose()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        Stop();
        Volatile.Write(ref _disposed, 1);
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        Summary = line;
        if (ParseGenerated(line) is { } n)
        {
            Volatile.Write(ref _generated, n);
        }
    }
}
