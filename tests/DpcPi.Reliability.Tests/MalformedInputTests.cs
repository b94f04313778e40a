using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Hosting;
using DpcPi.Gpio;
using DpcPi.Platform;

namespace DpcPi.Reliability.Tests;

/// <summary>
/// Malformed input of every kind — configuration files, DPCPI_ environment variables, command-line flags
/// and wiring files — gives exactly one line naming what is wrong and what is allowed, and exit code 2.
/// </summary>
public sealed class MalformedInputTests
{
    private const string P = "dpcpi run: configuration ";

    private static string Cpus => string.Join(",", ThreadControl.GetAllowedCpus());

    public static TheoryData<string, string> BadConfigFiles() => new()
    {
        { "{ \"Kernel\": { \"IsrPriority\": 0 } }", P + "Kernel:IsrPriority = 0 is not valid; allowed: 1-99" },
        { "{ \"Kernel\": \"fast\" }", P + "Kernel = fast is not valid; allowed: a section with the settings Processors, IsrProcessor, IsrPriority, DpcPriority, ThreadedDpcPriority, Realtime, LockMemory, WaitStrategy, DpcsOnIsrThread, ThreadDpcEnable, ExceptionPolicy, Watchdog" },
        { "{ \"Source\": { \"Kind\": \"gpio\", \"Chip\": \"   \" } }", P + "Source:Chip =     is not valid; allowed: a GPIO chip name, path or label (e.g. gpiochip0)" },
        { "{ \"Run\": { \"DurationSeconds\": \"NaN\" } }", P + "Run:DurationSeconds = NaN is not valid; allowed: a number of seconds from 0 to 31536000 (0 = until stopped)" },
        { "{ \"Run\": { \"DurationSeconds\": 1e9 } }", P + "Run:DurationSeconds = 1e9 is not valid; allowed: a number of seconds from 0 to 31536000 (0 = until stopped)" },
        { "{ \"Kernel\": { \"Processors\": [ 0, \"x\" ] } }", P + "Kernel:Processors:1 = x is not valid; allowed: CPUs this machine allows ({CPUS})" },
        { "{ \"Kernel\": { \"Watchdog\": { \"DpcLimitUs\": 2000000 } } }", P + "Kernel:Watchdog:DpcLimitUs = 2000000 is not valid; allowed: 1-1000000" },
        { "{ \"Kernel\": { \"ExceptionPolicy\": \"ignore-and-continue\" } }", P + "Kernel:ExceptionPolicy = ignore-and-continue is not valid; allowed: isolate, fail-fast" },
    };

    [Theory]
    [MemberData(nameof(BadConfigFiles))]
    public async Task RunCommand_BadConfigFile_OneLineMessageExit2(string json, string expected)
    {
        var file = Path.Combine(Dpcpi.TempDir(), "appsettings.json");
        File.WriteAllText(file, json);

        var (code, _, err) = await Dpcpi.RunAsync("run", "--config", file);

        Assert.Equal(ExitCodes.Usage, code);
        Dpcpi.AssertOneLine(err);
        Assert.Equal(expected.Replace("{CPUS}", Cpus, StringComparison.Ordinal), err.TrimEnd());
    }

    [Theory]
    [InlineData("{ \"Kernel\": { \"IsrPriority\" 50 } }")]
    [InlineData("{ \"Kernel\": ")]
    [InlineData("")]
    public async Task RunCommand_ConfigFileNotJson_OneLineNamingTheFileExit2(string json)
    {
        var file = Path.Combine(Dpcpi.TempDir(), "broken.json");
        File.WriteAllText(file, json);

        var (code, _, err) = await Dpcpi.RunAsync("run", "--config", file);

        Assert.Equal(ExitCodes.Usage, code);
        Dpcpi.AssertOneLine(err);
        Assert.StartsWith($"dpcpi run: configuration file {file} is not valid JSON: ", err, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadEnvironment() => new()
    {
        { "DPCPI_Kernel__WaitStrategy", "yield", P + "Kernel:WaitStrategy = yield is not valid; allowed: blocking, spin-then-block, busy-spin" },
        { "DPCPI_Source__IntervalUs", "1e3", P + "Source:IntervalUs = 1e3 is not valid; allowed: 10-10000000" }, // the shipped appsettings.json runs the default (timer) source
        { "DPCPI_Kernel__Watchdog__Policy", "reboot", P + "Kernel:Watchdog:Policy = reboot is not valid; allowed: count, fail-fast" },
        { "DPCPI_Report__Json", "/nonexistent-dir/r.json", P + "Report:Json = /nonexistent-dir/r.json is not valid; allowed: a file path in an existing directory" },
        { "DPCPI_Kernel__IsrProcessor", "512", P + "Kernel:IsrProcessor = 512 is not valid; allowed: -1 (the last DPC core) or one of {CPUS}" },
        { "DPCPI_Kernel__Realtime", "on", P + "Kernel:Realtime = on is not valid; allowed: true, false" },
        { "DPCPI_Report__DeadlineUs", "10ms", P + "Report:DeadlineUs = 10ms is not valid; allowed: 1-10000000" },
        { "DPCPI_Kernel__Processors", "1-0", P + "Kernel:Processors = 1-0 is not valid; allowed: CPUs this machine allows ({CPUS})" },
    };

    [Theory]
    [MemberData(nameof(BadEnvironment))]
    public void RunHost_BadEnvironmentVariable_OneLineMessage(string name, string value, string expected)
    {
        var env = new Dictionary<string, string?> { [name] = value };

        var ex = Assert.Throws<CliException>(() => RunHost.Build([], env, new SystemdNotifier(null)));

        Assert.Equal(ExitCodes.Usage, ex.ExitCode);
        Assert.Equal(expected.Replace("{CPUS}", Cpus, StringComparison.Ordinal), ex.Message);
        Dpcpi.AssertOneLine(ex.Message);
    }

    public static TheoryData<string[], string> BadFlags() => new()
    {
        { ["latency", "-p", "0"], "dpcpi latency: -p/--priority '0' is not valid; allowed: a whole number from 1 to 99" },
        { ["latency", "--interval", "5"], "dpcpi latency: -i/--interval '5' is not valid; allowed: a whole number from 10 to 10000000" },
        { ["latency", "-D", "10x"], "dpcpi latency: -D/--duration '10x' is not a duration; allowed: a number >= 0 with an optional unit ms, s, m, h or d (e.g. 10s, 5m; 0 = until stopped where a run has no end of its own)" },
        { ["latency", "-a", "0,x"], "dpcpi latency: -a/--affinity '0,x' is not a CPU list; allowed: numbers and ranges like 0,1 or 2-3" },
        { ["latency", "-a", "0,999"], "dpcpi latency: -a/--affinity: CPU 999 is not available; this machine allows {CPUS}" },
        { ["latency", "--source", "timer", "--drive-sysfs", "/sys/x"], "dpcpi latency: --drive-sysfs needs --source gpio or sdg" },
        { ["latency", "--source", "timer", "--backend", "fake"], "dpcpi latency: --source and --backend name the same thing (where the interrupts come from); give one" },
        { ["run", "--backend", "fake"], "dpcpi run: --backend is a latency/lab flag; the service reads its source from configuration: --Source:Kind=timer|fake|gpio|sdg" },
        { ["run", "--source=fake"], "dpcpi run: --source is a latency/lab flag; the service reads its source from configuration: --Source:Kind=timer|fake|gpio|sdg" },
        { ["lab", "loopback", "--source", "warp"], "dpcpi lab: --source 'warp' is not valid for labs; allowed: fake, gpio" },
        { ["lab", "loopback", "--source", "fake", "--chip", "gpiochip0"], "dpcpi lab: --board, --chip, --wiring and -D are for --source gpio; the fake scenario is fixed" },
        { ["lab", "button", "--source", "gpio", "--board", "pi9"], "dpcpi lab: --board 'pi9' is not valid; allowed: pi3-b, pi3-b-plus, pi4-b, pi400, pi5, zero2-w, compute-module4" },
        { ["lab", "loopback", "--source", "gpio", "--bindings"], "dpcpi lab: lab loopback has no Iot.Device.Bindings device to run beside it; labs with one: encoder, button, ultrasonic" },
        { ["lab", "encoder", "--bindings", "--no-bindings"], "dpcpi lab: --bindings and --no-bindings contradict each other; give one" },
        { ["lab", "encoder", "--source", "gpio", "--no-bindings"], "dpcpi lab: --no-bindings is for the fake run; on real pins the lab's own driver runs unless --bindings is given" },
        { ["latency", "--json"], "dpcpi latency: option --json needs a value" },
        { ["soak", "--window", "500ms"], "dpcpi soak: --window 0.5s is too short; allowed: 1s or more" },
        { ["soak", "--duration", "3s", "--window", "2s"], "dpcpi soak: --duration must be at least two windows (a first and a last window to compare)" },
        { ["soak", "--source", "fake", "-i", "10"], "dpcpi soak: -i/--interval below 20 µs is not meaningful for the fake source (the stimulus thread paces it)" },
        { ["run", "--config"], "dpcpi run: option --config needs a value" },
        { ["run", "Kernel:IsrPriority=5"], "dpcpi run: argument 'Kernel:IsrPriority=5' is not valid; allowed: --config FILE and settings as --Section:Key=value (see 'dpcpi run --help')" },
    };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public async Task Cli_BadFlag_OneLineMessageExit2(string[] args, string expected)
    {
        var (code, _, err) = await Dpcpi.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Dpcpi.AssertOneLine(err);
        Assert.Equal(expected.Replace("{CPUS}", Cpus, StringComparison.Ordinal), err.TrimEnd());
    }

    private const string Pins = """ "pins": [ { "id": "out", "gpio": "GPIO17", "direction": "output" }, { "id": "in", "gpio": "GPIO27", "direction": "input", "edges": "both" } ] """;

    public static TheoryData<string, string> BadWiring() => new()
    {
        { "{ \"format\": \"dpcpi-wiring/2\", ", "$: not valid JSON (line 1, byte 31)." },
        { "{ \"format\": \"dpcpi-wiring/9\", \"name\": \"x\", " + Pins + " }", "$.format: \"dpcpi-wiring/9\" is not a known format; allowed: \"dpcpi-wiring/2\"." },
        { "{ \"format\": \"dpcpi-wiring/2\", \"name\": \"\", " + Pins + " }", "$.name: must not be empty." },
        { "{ \"format\": \"dpcpi-wiring/2\", \"name\": \"x\", \"pins\": [] }", "$.pins: must list at least one pin." },
        { "{ \"format\": \"dpcpi-wiring/2\", \"name\": \"x\", \"pins\": [ { \"id\": \"a\", \"gpio\": \"GPIO40\", \"direction\": \"input\" } ] }", "$.pins[0].gpio: \"GPIO40\" is not on the 40-pin header; allowed: GPIO0..GPIO27 or a header pin." },
        { "{ \"format\": \"dpcpi-wiring/2\", \"name\": \"x\", \"pins\": [ { \"id\": \"a\", \"gpio\": \"GPIO17\", \"direction\": \"input\" }, { \"id\": \"b\", \"gpio\": \"GPIO17\", \"direction\": \"input\" } ] }", "$.pins[1].gpio: GPIO17 is already used by pin \"a\"; each GPIO may appear once." },
        { "{ \"format\": \"dpcpi-wiring/2\", \"name\": \"x\", " + Pins + ", \"wires\": [ { \"from\": \"in\", \"to\": \"pi.6\" } ] }", "$.wires: in (pi.13, GPIO27) is shorted to GND (pi.6); a GPIO reaches a supply or ground only through a part (button, resistor)." },
        { "{ \"format\": \"dpcpi-wiring/2\", \"name\": \"x\", " + Pins + ", \"wires\": [ { \"from\": \"out\", \"to\": \"in\", \"delayNs\": -5 } ] }", "$.wires[0].delayNs: -5 is not allowed; allowed: a whole number of nanoseconds >= 0." },
        { "{ \"format\": \"dpcpi-wiring/2\", \"name\": \"x\", \"colour\": \"red\", " + Pins + " }", "$.colour: unknown property; allowed: format, name, description, parts, pins, wires." },
        { "{ \"format\": \"dpcpi-wiring/2\", \"name\": \"x\", \"pins\": [ { \"id\": \"Bad Id\", \"gpio\": \"GPIO17\", \"direction\": \"input\" } ] }", "$.pins[0].id: \"Bad Id\" is not a valid id; allowed: lower-case letter, then up to 31 of a-z 0-9 _ -." },
    };

    [Theory]
    [MemberData(nameof(BadWiring))]
    public async Task LatencyFakeSource_BadWiringFile_OneLineWithJsonPathExit2(string json, string expected)
    {
        var file = Path.Combine(Dpcpi.TempDir(), "wiring.json");
        File.WriteAllText(file, json);

        var loader = Assert.Throws<WiringException>(() => WiringLoader.Load(file));
        Assert.Equal($"{file}: {expected}", loader.Message);

        var (code, _, err) = await Dpcpi.RunAsync("latency", "--source", "fake", "--wiring", file, "-l", "10", "-q");
        Assert.Equal(ExitCodes.Usage, code);
        Dpcpi.AssertOneLine(err);
        Assert.Equal($"dpcpi latency: {file}: {expected}", err.TrimEnd());
    }
}
