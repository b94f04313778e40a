using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Hosting;
using DpcPi.Platform;

namespace DpcPi.Cli.Tests.Hosting;

public sealed class ConfigValidationTests
{
    private const string KernelKeys = "Processors, IsrProcessor, IsrPriority, DpcPriority, ThreadedDpcPriority, Realtime, LockMemory, WaitStrategy, DpcsOnIsrThread, ThreadDpcEnable, ExceptionPolicy, Watchdog";

    public static TheoryData<string[], string> BadConfigurations()
    {
        const string P = "dpcpi run: configuration ";
        var cpus = string.Join(",", ThreadControl.GetAllowedCpus());
        return new TheoryData<string[], string>
        {
            { ["--Kernel:IsrPriority=150"], P + "Kernel:IsrPriority = 150 is not valid; allowed: 1-99" },
            { ["--Kernel:DpcPriority=0"], P + "Kernel:DpcPriority = 0 is not valid; allowed: 1-99" },
            { ["--Kernel:ThreadedDpcPriority=abc"], P + "Kernel:ThreadedDpcPriority = abc is not valid; allowed: 1-99" },
            { ["--Kernel:Realtime=yes"], P + "Kernel:Realtime = yes is not valid; allowed: true, false" },
            { ["--Kernel:DpcsOnIsrThread=maybe"], P + "Kernel:DpcsOnIsrThread = maybe is not valid; allowed: true, false" },
            { ["--Kernel:ThreadDpcEnable=0"], P + "Kernel:ThreadDpcEnable = 0 is not valid; allowed: true, false" },
            { ["--Kernel:LockMemory=1"], P + "Kernel:LockMemory = 1 is not valid; allowed: true, false" },
            { ["--Kernel:WaitStrategy=spin"], P + "Kernel:WaitStrategy = spin is not valid; allowed: blocking, spin-then-block, busy-spin" },
            { ["--Kernel:ExceptionPolicy=ignore"], P + "Kernel:ExceptionPolicy = ignore is not valid; allowed: isolate, fail-fast" },
            { ["--Kernel:Processors:0=9999"], P + $"Kernel:Processors:0 = 9999 is not valid; allowed: CPUs this machine allows ({cpus})" },
            { ["--Kernel:Processors=0-9999"], P + $"Kernel:Processors = 0-9999 is not valid; allowed: CPUs this machine allows ({cpus})" },
            { ["--Kernel:IsrProcessor=-2"], P + $"Kernel:IsrProcessor = -2 is not valid; allowed: -1 (the last DPC core) or one of {cpus}" },
            { ["--Kernel:Watchdog:DpcLimitUs=0"], P + "Kernel:Watchdog:DpcLimitUs = 0 is not valid; allowed: 1-1000000" },
            { ["--Kernel:Watchdog:CumulativeLimitUs=-5"], P + "Kernel:Watchdog:CumulativeLimitUs = -5 is not valid; allowed: 1-60000000" },
            { ["--Kernel:Watchdog:Policy=panic"], P + "Kernel:Watchdog:Policy = panic is not valid; allowed: count, fail-fast" },
            { ["--Kernel:IsrPriorty=50"], P + "Kernel:IsrPriorty is not a known setting; allowed: " + KernelKeys },
            { ["--Kernel:Watchdog:Limit=5"], P + "Kernel:Watchdog:Limit is not a known setting; allowed: DpcLimitUs, CumulativeLimitUs, Policy" },
            { ["--Source:Kind=serial"], P + "Source:Kind = serial is not valid; allowed: timer, fake, gpio, sdg" },
            { ["--Source:Kind=fake", "--Source:IntervalUs=10"], P + "Source:IntervalUs = 10 is not valid; allowed: 20-10000000 for the fake source" },
            { ["--Source:Kind=timer", "--Source:IntervalUs=5"], P + "Source:IntervalUs = 5 is not valid; allowed: 10-10000000" },
            { ["--Source:InputLine=2000"], P + "Source:InputLine = 2000 is not valid; allowed: 0-1023" },
            { ["--Source:Kind=fake", "--Source:InputLine=5", "--Source:OutputLine=5"], P + "Source:OutputLine = 5 is not valid; allowed: a line other than Source:InputLine (5)" },
            { ["--Source:Kind=timer", "--Source:DriveSysfs=/sys/x/pull"], P + "Source:DriveSysfs = /sys/x/pull is not valid; allowed: only with Source:Kind = gpio or sdg" },
            { ["--Source:Kind=timer", "--Source:SdgDriver=libgpiod"], P + "Source:SdgDriver = libgpiod is not valid; allowed: only with Source:Kind = sdg" },
            { ["--Source:Kind=sdg", "--Source:SdgDriver=pigpio"], P + "Source:SdgDriver = pigpio is not valid; allowed: libgpiod, sysfs, dpcpi" },
            { ["--Source:Kind=fake", "--Source:Wiring=/nonexistent/wiring.yaml"], P + "Source:Wiring = /nonexistent/wiring.yaml is not valid; allowed: an existing wiring file" },
            { ["--Source:Pin=3"], P + "Source:Pin is not a known setting; allowed: Kind, IntervalUs, Chip, InputLine, OutputLine, DriveSysfs, Stimulus, Wiring, SdgDriver, FakeLatencyUs" },
            { ["--Run:DurationSeconds=-1"], P + "Run:DurationSeconds = -1 is not valid; allowed: a number of seconds from 0 to 31536000 (0 = until stopped)" },
            { ["--Run:Loops=5"], P + "Run:Loops is not a known setting; allowed: DurationSeconds, WarmupMs" },
            { ["--Run:WarmupMs=-1"], P + "Run:WarmupMs = -1 is not valid; allowed: 0-60000" },
            { ["--Report:DeadlineUs=0"], P + "Report:DeadlineUs = 0 is not valid; allowed: 1-10000000" },
            { ["--Report:AnalyzeUs=-5"], P + "Report:AnalyzeUs = -5 is not valid; allowed: 0-10000000 (0 = off)" },
            { ["--Report:Json=/nonexistent-dir/r.json"], P + "Report:Json = /nonexistent-dir/r.json is not valid; allowed: a file path in an existing directory" },
            { ["--Report:Jsn=r.json"], P + "Report:Jsn is not a known setting; allowed: Json, DeadlineUs, AnalyzeUs" },
            { ["--Kernal:IsrPriority=500"], P + "section Kernal is not known; allowed: Kernel, Source, Run, Report, Metrics, Dashboard, Serilog" },
            { ["--Report:Json=/proc/dpcpi-test.json"], P + "Report:Json /proc/dpcpi-test.json cannot be written: its folder /proc takes no new files (a read-only or virtual file system)" },
            { ["--Report:Json=/tmp"], P + "Report:Json /tmp is a folder; give a file name (e.g. /tmp/report)" },
            { ["--Serilog:WriteTo:0:Name=Seq"], P + "Serilog:WriteTo:0:Name = Seq is not a known sink; allowed: Console, File" },
            { ["stray"], "dpcpi run: argument 'stray' is not valid; allowed: --config FILE and settings as --Section:Key=value (see 'dpcpi run --help')" },
            { ["--config", "/nonexistent/appsettings.json"], "dpcpi run: configuration file /nonexistent/appsettings.json does not exist" },
        };
    }

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public async Task RunAsync_BadConfiguration_OneLineAndExitCode2(string[] settings, string expected)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["run", .. settings], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Equal(expected, lines[0].TrimEnd('\r'));
        Assert.DoesNotContain("   at ", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BadValueInConfigFile_NamesSettingExitCode2()
    {
        var file = Path.Combine(HostTestSupport.TempDir(), "appsettings.json");
        await File.WriteAllTextAsync(file, """{ "Kernel": { "Watchdog": { "Policy": "reboot" } } }""", TestContext.Current.CancellationToken);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["run", "--config", file], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("dpcpi run: configuration Kernel:Watchdog:Policy = reboot is not valid; allowed: count, fail-fast", stderr.ToString().Trim());
    }

    [Fact]
    public async Task RunAsync_ConfigFileNotJson_OneLineExitCode2()
    {
        var file = Path.Combine(HostTestSupport.TempDir(), "appsettings.json");
        await File.WriteAllTextAsync(file, "{ Kernel: ", TestContext.Current.CancellationToken);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["run", "--config", file], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"dpcpi run: configuration file {file} is not valid JSON", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BadEnvironmentVariable_NamesSetting()
    {
        var env = new Dictionary<string, string?> { ["DPCPI_Kernel__IsrPriority"] = "0" };

        var ex = Assert.Throws<CliException>(() => RunHost.Build([], env));

        Assert.Equal("dpcpi run: configuration Kernel:IsrPriority = 0 is not valid; allowed: 1-99", ex.Message);
        Assert.Equal(ExitCodes.Usage, ex.ExitCode);
    }

    [Fact]
    public void BuildConfiguration_EnvironmentThenCommandLine_CommandLineWins()
    {
        var env = new Dictionary<string, string?> { ["DPCPI_Kernel__DpcPriority"] = "20", ["DPCPI_Kernel__Processors__0"] = "0", ["OTHER"] = "x" };

        var settings = ConfigValidator.Validate(RunHost.BuildConfiguration(["--Kernel:DpcPriority=40"], env));

        Assert.Equal(40, settings.Session.Kernel.DpcPriority);
        Assert.Equal([0], settings.Session.Kernel.Processors);
    }

    [Theory]
    [InlineData(new string[0], true)] // the measured default, the same as `latency`'s
    [InlineData(new[] { "--Kernel:DpcsOnIsrThread=false" }, false)]
    public void Validate_DpcsOnIsrThread_DefaultsToTheIsrThreadLikeTheCli(string[] args, bool expected)
    {
        var settings = ConfigValidator.Validate(RunHost.BuildConfiguration(args, new Dictionary<string, string?>()));

        Assert.Equal(expected, settings.Session.Kernel.RunLocalDpcsOnIsrThread);
        Assert.Equal(expected, Commands.LatencyCommand.Parse(expected ? [] : ["--worker-dpcs"]).Options.Kernel.RunLocalDpcsOnIsrThread);
    }

    [Theory]
    [InlineData("libgpiod", "LibGpiodDriver")] // what a Pi user's GpioController picks, as `latency --source sdg`
    [InlineData("sysfs", "SysFsDriver")]
    [InlineData("dpcpi", "DpcPiGpioDriver")]
    public void Validate_SdgSource_BuildsTheCallbackSourceOverTheNamedDriver(string driver, string name)
    {
        var settings = ConfigValidator.Validate(RunHost.BuildConfiguration(["--Source:Kind=sdg", $"--Source:SdgDriver={driver}"], new Dictionary<string, string?>()));

        Assert.Equal(DpcPi.Measurement.LatencySource.Sdg, settings.Session.Source);
        Assert.Equal(name, settings.Session.CallbackSourceName);
        Assert.NotNull(settings.Session.CallbackSource);
    }

    [Fact]
    public void Validate_SdgSourceWithoutDriver_DefaultsToLibgpiodLikeTheCli()
    {
        var settings = ConfigValidator.Validate(RunHost.BuildConfiguration(["--Source:Kind=sdg"], new Dictionary<string, string?>()));

        Assert.Equal("LibGpiodDriver", settings.Session.CallbackSourceName);
    }

    [Fact]
    public void BuildConfiguration_ToolVariablesWithoutDoubleUnderscore_AreNotConfiguration()
    {
        // The VM tier's guest sets DPCPI_GPIOSIM_CHIP; docs name DPCPI_STIMULUS and DPCPI_SKIP_VM.
        var env = new Dictionary<string, string?> { ["DPCPI_GPIOSIM_CHIP"] = "gpiochip1", ["DPCPI_STIMULUS"] = "/x", ["DPCPI_SKIP_VM"] = "1", ["DPCPI_Run__WarmupMs"] = "7" };

        var settings = ConfigValidator.Validate(RunHost.BuildConfiguration([], env));

        Assert.Equal(TimeSpan.FromMilliseconds(7), settings.Session.Warmup);
    }

    [Fact]
    public void Build_SettingWithOneUnderscore_OneLineNamingTheRightSpelling()
    {
        var env = new Dictionary<string, string?> { ["DPCPI_Kernel_IsrPriority"] = "50" };

        var ex = Assert.Throws<CliException>(() => RunHost.Build([], env));

        Assert.Equal("dpcpi run: environment variable DPCPI_Kernel_IsrPriority is not a setting; settings are DPCPI_Section__Key with two underscores (e.g. DPCPI_Kernel__IsrPriority)", ex.Message);
        Assert.Equal(ExitCodes.Usage, ex.ExitCode);
    }

    [Theory]
    [InlineData(new string[0], true)] // Windows' default: threaded DPCs enabled
    [InlineData(new[] { "--Kernel:ThreadDpcEnable=false" }, false)]
    public void Validate_ThreadDpcEnable_DefaultsToEnabledAsWindows(string[] args, bool expected)
    {
        var settings = ConfigValidator.Validate(RunHost.BuildConfiguration(args, new Dictionary<string, string?>()));

        Assert.Equal(expected, settings.Session.Kernel.ThreadDpcEnable);
    }
}
