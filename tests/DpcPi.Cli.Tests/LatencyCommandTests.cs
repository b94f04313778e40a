using System.Text.Json;

namespace DpcPi.Cli.Tests;

public sealed class LatencyCommandTests
{
    public static TheoryData<string[], string> BadFlags => new()
    {
        { ["latency", "-p", "150"], "dpcpi latency: -p/--priority '150' is not valid; allowed: a whole number from 1 to 99" },
        { ["latency", "-p"], "dpcpi latency: option -p needs a value" },
        { ["latency", "-i", "abc"], "dpcpi latency: -i/--interval 'abc' is not valid; allowed: a whole number from 10 to 10000000" },
        { ["latency", "-D", "soon"], "dpcpi latency: -D/--duration 'soon' is not a duration; allowed: a number >= 0 with an optional unit ms, s, m, h or d (e.g. 10s, 5m; 0 = until stopped where a run has no end of its own)" },
        { ["latency", "--source", "fake", "--wiring", "w.json", "--input-line", "5"], "dpcpi latency: --input-line/--output-line: with --wiring the lines come from the wiring file (its wire from an output pin to an input pin)" },
        { ["latency", "--warmup", "later"], "dpcpi latency: --warmup 'later' is not a duration; allowed: a number >= 0 with an optional unit ms, s, m, h or d (e.g. 10s, 5m; 0 = until stopped where a run has no end of its own)" },
        { ["latency", "--source", "usb"], "dpcpi latency: --source 'usb' is not valid; allowed: timer, fake, gpio, sdg" },
        { ["latency", "--sdg-driver", "sysfs"], "dpcpi latency: --sdg-driver needs --source sdg" },
        { ["latency", "--inline-dpcs", "--worker-dpcs"], "dpcpi latency: --inline-dpcs and --worker-dpcs exclude each other" },
        { ["latency", "--source", "sdg", "--sdg-driver", "wiringpi"], "dpcpi latency: --sdg-driver 'wiringpi' is not valid; allowed: libgpiod, sysfs, dpcpi" },
        { ["latency", "--wait-strategy", "nap"], "dpcpi latency: --wait-strategy 'nap' is not valid; allowed: blocking, spin-then-block, busy-spin" },
        { ["latency", "-a", "0,x"], "dpcpi latency: -a/--affinity '0,x' is not a CPU list; allowed: numbers and ranges like 0,1 or 2-3" },
        { ["latency", "-a", "999"], "dpcpi latency: -a/--affinity: CPU 999 is not available; this machine allows " },
        { ["latency", "--frobnicate"], "dpcpi latency: unknown option '--frobnicate' (see 'dpcpi latency --help')" },
        { ["latency", "--drive-sysfs", "/tmp/x"], "dpcpi latency: --drive-sysfs needs --source gpio or sdg" },
        { ["latency", "--source", "fake", "-i", "15"], "dpcpi latency: -i/--interval below 20 µs is not meaningful for the fake source (the stimulus thread paces it)" },
        // The session options' rules, which `run` words as configuration keys: the same checks on both front-ends.
        { ["latency", "--source", "fake", "--input-line", "5", "--output-line", "5"], "dpcpi latency: --output-line 5 is not valid; allowed: a line other than the input line (5)" },
        { ["latency", "--wiring", "w.json"], "dpcpi latency: --wiring needs --source fake" },
        { ["latency", "--stimulus", "/bin/true"], "dpcpi latency: --stimulus needs --source gpio or sdg" },
        { ["nonsense"], "dpcpi: unknown command 'nonsense'; commands: " },
    };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public async Task Latency_BadFlag_OneLineErrorAndExit2(string[] args, string message)
    {
        var (code, _, err) = await CliRunner.RunAsync(args);

        Assert.Equal(2, code);
        var lines = err.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith(message, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Latency_GpioSourceMissingChip_OneLineDeviceErrorAndExit3()
    {
        var (code, _, err) = await CliRunner.RunAsync("latency", "--source", "gpio", "--chip", "gpiochip77", "-l", "5", "-q", "--no-realtime");

        Assert.Equal(3, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("gpiochip77", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("libgpiod")]
    [InlineData("sysfs")]
    [InlineData("dpcpi")]
    public async Task Latency_SdgSourceMissingChip_OneLineDeviceErrorAndExit3(string driver)
    {
        var (code, _, err) = await CliRunner.RunAsync("latency", "--source", "sdg", "--sdg-driver", driver, "--chip", "gpiochip77", "--drive-sysfs", "/tmp/none", "-l", "5", "-q", "--no-realtime");

        Assert.Equal(3, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("gpiochip77", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Latency_FakeSourceWithLoops_ReportsAndWritesSchemaJson()
    {
        var (code, output, err, json) = await CliRunner.RunWithJsonAsync("latency", "--source", "fake", "-i", "200", "-l", "300", "-q", "--no-realtime", "-h", "500");

        Assert.True(code == 0, err);
        Assert.Contains("edge_to_dpc_start", output, StringComparison.Ordinal);
        Assert.Contains("# Histogram Overflows:", output, StringComparison.Ordinal);
        Assert.Contains("Verdict:", output, StringComparison.Ordinal);
        using var doc = json!;
        var root = doc.RootElement;
        foreach (var key in new[] { "edge_to_isr", "isr_duration", "queue_wait", "dpc_duration", "edge_to_dpc_start" })
        {
            var stage = root.GetProperty("stages").GetProperty(key);
            foreach (var field in new[] { "count", "min_ns", "p50_ns", "p99_ns", "p999_ns", "max_ns" })
            {
                Assert.Equal(JsonValueKind.Number, stage.GetProperty(field).ValueKind);
            }
        }

        Assert.False(root.GetProperty("guarantees").GetProperty("realtime").GetBoolean());
        // -l counts interrupts (cyclictest's loops): 300 edges, each serviced by the ISR or counted lost;
        // DPC runs may be fewer because DpcForIsr inserts coalesce, and those are counted too.
        var isr = root.GetProperty("stages").GetProperty("edge_to_isr").GetProperty("count").GetInt64();
        Assert.Equal(300, isr + root.GetProperty("lost").GetInt64());
        var dpcs = root.GetProperty("stages").GetProperty("edge_to_dpc_start").GetProperty("count").GetInt64();
        Assert.Equal(isr, dpcs + root.GetProperty("coalesced").GetInt64());
        foreach (var key in new[] { "lost", "merged", "coalesced", "watchdog" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(key).ValueKind);
        }
    }

    [Fact]
    public async Task Latency_TimerSource_CountsEveryExpiryAsAnInterruptOrMergedIntoOne()
    {
        // A 10 µs period without real-time priority: the ISR thread is late more often than not (about one
        // merged expiry per interrupt on the 2-vCPU CI machine), so the run has merged expiries to count.
        var (code, _, err, json) = await CliRunner.RunWithJsonAsync("latency", "--source", "timer", "-i", "10", "-l", "2000", "-q", "--no-realtime");

        Assert.True(code == 0, err);
        using var doc = json!;
        var root = doc.RootElement;
        var stages = root.GetProperty("stages");
        var isr = stages.GetProperty("edge_to_isr").GetProperty("count").GetInt64();
        Assert.True(isr >= 2000, $"{isr} interrupts"); // the timer runs on until the session stops it
        Assert.Equal(isr, stages.GetProperty("edge_to_dpc_start").GetProperty("count").GetInt64() + root.GetProperty("coalesced").GetInt64());
        // Expiries that passed while an interrupt was late are the report's merged events, not only a run-info line.
        var overruns = long.Parse(root.GetProperty("run_info").GetProperty("timer_overruns").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(overruns > 0, "no expiry was merged at a 10 µs period");
        Assert.Equal(overruns, root.GetProperty("merged").GetInt64());
    }

    [Fact]
    public async Task Help_ListsCommandsAndExitsZero()
    {
        var (code, output, _) = await CliRunner.RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Contains("latency", output, StringComparison.Ordinal);
        Assert.Contains("doctor", output, StringComparison.Ordinal);
    }
}
