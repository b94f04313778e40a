using System.Diagnostics;
using System.Globalization;
using DpcPi.Platform;

namespace DpcPi.Labs.Tests.GpioSim;

/// <summary>
/// dpcpi-labdev (tests/vm/lab-devices) as a child process: the lab's jumpers and parts on the sim header.
/// It runs in its own process at normal priority, never inside the lab it drives.
/// </summary>
internal sealed class LabDevices : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<string> _errors = [];
    private readonly object _gate = new();
    private LabDevices(Process process) => _process = process;

    /// <summary>Starts the devices (e.g. "--wire", "17:27") and waits until its tracing is on.</summary>
    public static LabDevices Start(SimHeader sim, params string[] devices)
    {
        var psi = new ProcessStartInfo(sim.LabDev!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--chip", sim.Chip, "--sysfs", sim.Sysfs }.Concat(devices))
        {
            psi.ArgumentList.Add(a);
        }

        var p = new Process { StartInfo = psi };
        var d = new LabDevices(p);
        p.OutputDataReceived += (_, e) => d.Add(d._lines, e.Data);
        p.ErrorDataReceived += (_, e) => d.Add(d._errors, e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        d.WaitFor("LABDEV: ready", TimeSpan.FromSeconds(30));
        return d;
    }

    /// <summary>Everything it printed so far (stdout, then stderr).</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines.Concat(_errors));
            }
        }
    }

    /// <summary>Waits for a line starting with <paramref name="prefix"/>; fails naming what it printed.</summary>
    public void WaitFor(string prefix, TimeSpan limit)
    {
        if (!TryWaitFor(prefix, limit))
        {
            Assert.Fail($"dpcpi-labdev did not print \"{prefix}\" within {limit.TotalSeconds:0} s{(_process.HasExited ? $" (it exited {_process.ExitCode})" : string.Empty)}:\n{Output}");
        }
    }

    /// <summary>Waits for a line starting with <paramref name="prefix"/>; false after <paramref name="limit"/> or once it has exited.</summary>
    public bool TryWaitFor(string prefix, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        lock (_gate)
        {
            while (!_lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal)))
            {
                var left = limit - sw.Elapsed;
                if (left <= TimeSpan.Zero || _process.HasExited)
                {
                    return false;
                }

                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(Math.Min(left.TotalMilliseconds, 200)));
            }
        }

        return true;
    }

    /// <summary>
    /// Stops it (SIGTERM) and returns its summary: for each part ("wire 17->27", "button 17"...) its counts
    /// ("rising" = 12). Fails if it did not exit cleanly.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Stop()
    {
        ProcessSignals.Terminate(_process.Id);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            _process.Kill();
            Assert.Fail("dpcpi-labdev did not exit within 30 s of SIGTERM:\n" + Output);
        }

        _process.WaitForExit(); // the output readers' last lines
        Assert.True(_process.ExitCode == 0, $"dpcpi-labdev exited {_process.ExitCode}:\n{Output}");
        var parts = new Dictionary<string, IReadOnlyDictionary<string, long>>();
        lock (_gate)
        {
            foreach (var line in _lines.Where(l => l.StartsWith("LABDEV: ", StringComparison.Ordinal) && l.Contains('=', StringComparison.Ordinal)))
            {
                var words = line["LABDEV: ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var name = string.Join(' ', words.TakeWhile(w => !w.Contains('=', StringComparison.Ordinal)));
                parts[name] = words.Where(w => w.Contains('=', StringComparison.Ordinal))
                    .Select(w => w.Split('=', 2))
                    .ToDictionary(kv => kv[0], kv => long.Parse(kv[1], CultureInfo.InvariantCulture));
            }
        }

        return parts;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Add(List<string> to, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            to.Add(line);
            Monitor.PulseAll(_gate);
        }
    }
}
