using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using DpcPi.TestSupport;

namespace DpcPi.Reliability.Tests;

public sealed partial class SigtermTests(ITestOutputHelper output)
{
    private const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"T:\d+s interrupts=(\d+) ")]
    private static partial Regex StatusInterrupts();

    [Fact]
    public async Task Sigterm_DuringFakeFlood_ExitsZeroWithin2sWithConsistentReport()
    {
        var json = Path.Combine(Dpcpi.TempDir(), "report.json");
        using var p = Dpcpi.Start([], ["run", "--Source:Kind=fake", "--Source:IntervalUs=50", "--Kernel:Realtime=false", $"--Report:Json={json}"]);
        var measuring = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }

            // A per-second line with a thousand interrupts serviced: the flood is under way. (The first second's line
            // is not enough: on a saturated host the fake source's thread had made 925 edges by then.)
            if (StatusInterrupts().Match(e.Data) is { Success: true } m && long.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) >= 1000)
            {
                measuring.TrySetResult();
            }
        };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            await measuring.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"dpcpi run never reported a second with 1000 interrupts:\n{stdout}\n{stderr}");
        }

        var sw = Stopwatch.StartNew();
        Assert.Equal(0, Kill(p.Id, SIGTERM));
        // 30 s finds a hang; the 2 s goal is checked below only on a host with CPU to spare (under stress-ng, with the
        // other test assemblies beside it, a stop took over 5 s: the process was not running, not stuck).
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await p.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail("dpcpi run did not exit within 30 s of SIGTERM");
            }
        }

        sw.Stop();
        p.WaitForExit(); // drain the redirected output
        output.WriteLine($"exit {p.ExitCode} {sw.Elapsed.TotalMilliseconds:F0} ms after SIGTERM");
        output.WriteLine(stdout.ToString());
        Assert.Equal(0, p.ExitCode);
        if (!HostLoad.IsBusy(out var load))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"exit took {sw.Elapsed.TotalMilliseconds:F0} ms after SIGTERM (load {load:F1})");
        }
        else
        {
            output.WriteLine($"host busy (load {load:F1} on {Environment.ProcessorCount} CPUs): the 2 s stop time is inconclusive here");
        }
        Assert.Equal(string.Empty, stderr.ToString());
        Assert.DoesNotContain("   at ", stdout.ToString(), StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        var svc = root.GetProperty("service");
        var sourceVector = root.GetProperty("per_vector").EnumerateArray().Single(v => v.GetProperty("name").GetString()!.StartsWith("gpio ", StringComparison.Ordinal));
        var isr = sourceVector.GetProperty("count").GetInt64();
        var runs = svc.GetProperty("dpcs_run").GetInt64();
        var coalesced = svc.GetProperty("coalesced").GetInt64();
        output.WriteLine($"ISR {isr}, DPC runs {runs}, coalesced {coalesced}, lost {root.GetProperty("lost").GetInt64()}, merged {root.GetProperty("merged").GetInt64()}");
        Assert.True(isr > 1000, $"only {isr} interrupts in the flood");
        Assert.Equal(isr, runs + coalesced);
        Assert.Equal(isr, svc.GetProperty("interrupts").GetInt64());
        Assert.Equal(isr, svc.GetProperty("isr_interrupts").GetInt64());
        Assert.Equal(0, svc.GetProperty("queued_after_stop").GetInt64());
        Assert.Equal(0, svc.GetProperty("exit_code").GetInt32());
    }
}
