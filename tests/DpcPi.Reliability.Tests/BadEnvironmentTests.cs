using System.Text.Json;
using DpcPi.Cli.CommandLine;
using DpcPi.Gpio;
using DpcPi.Platform;

namespace DpcPi.Reliability.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class BadEnvironmentTests
{
    private static bool IsRoot => GetEuid() == 0;

    private static string[] DropToNobody(bool keepNoCaps = true) =>
        keepNoCaps
            ? ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
            : ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    private static bool HasSetpriv => File.Exists("/usr/bin/setpriv") || File.Exists("/bin/setpriv");

    [Fact]
    public async Task Latency_GpioChipMissing_OneLineAndExitCode3()
    {
        var (code, _, err) = await Dpcpi.RunAsync("latency", "--source", "gpio", "--chip", "gpiochip99", "-l", "10", "-q");

        Assert.Equal(ExitCodes.Device, code);
        Dpcpi.AssertOneLine(err);
        Assert.StartsWith("dpcpi latency: GPIO chip \"gpiochip99\" does not exist", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lab_GpioChipMissing_OneLineAndExitCode3()
    {
        var (code, _, err) = await Dpcpi.RunAsync("lab", "loopback", "--source", "gpio", "--chip", "gpiochip99");

        Assert.Equal(ExitCodes.Device, code);
        Dpcpi.AssertOneLine(err);
        Assert.StartsWith("dpcpi lab: GPIO chip \"gpiochip99\" does not exist", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lab_Pi5BoardWithoutItsChip_NamesTheRp1LabelAndExitCode3()
    {
        if (new LinuxGpioBackend().GetChips().Any(c => c.Label == BoardCatalog.Rp1Label))
        {
            return; // on a Pi 5 the chip is there
        }

        var (code, _, err) = await Dpcpi.RunAsync("lab", "ultrasonic", "--backend", "gpio", "--board", "pi5");

        Assert.Equal(ExitCodes.Device, code);
        Dpcpi.AssertOneLine(err);
        Assert.StartsWith("dpcpi lab: GPIO chip \"pinctrl-rp1\" does not exist", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lab_NoBoardGivenOffAPi_SaysWhichFlagsNameTheBoardOrChip()
    {
        if (BoardCatalog.ModelPaths.Any(File.Exists))
        {
            return; // a device-tree board: detection reads it
        }

        var (code, _, err) = await Dpcpi.RunAsync("lab", "button", "--source", "gpio");

        Assert.Equal(ExitCodes.Device, code);
        Dpcpi.AssertOneLine(err);
        Assert.StartsWith("dpcpi lab: Cannot detect the board", err, StringComparison.Ordinal);
        Assert.EndsWith("Give --board MODEL (pi3-b, pi3-b-plus, pi4-b, pi400, pi5, zero2-w, compute-module4) or --chip CHIP.", err.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_GpioChipMissing_OneLineAndExitCode3()
    {
        var (code, _, err) = await Dpcpi.RunAsync("run", "--Source:Kind=gpio", "--Source:Chip=gpiochip99", "--Kernel:Realtime=false", "--Serilog:MinimumLevel:Default=Fatal", "--Serilog:WriteTo:0:Name=Console");

        Assert.Equal(ExitCodes.Device, code);
        Dpcpi.AssertOneLine(err);
        Assert.StartsWith("dpcpi run: GPIO chip \"gpiochip99\" does not exist", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("libgpiod")]
    [InlineData("dpcpi")]
    public async Task Run_SdgSourceChipMissing_OneLineAndExitCode3(string driver)
    {
        var (code, _, err) = await Dpcpi.RunAsync("run", "--Source:Kind=sdg", $"--Source:SdgDriver={driver}", "--Source:Chip=gpiochip99", "--Kernel:Realtime=false", "--Serilog:MinimumLevel:Default=Fatal", "--Serilog:WriteTo:0:Name=Console");

        Assert.Equal(ExitCodes.Device, code);
        Dpcpi.AssertOneLine(err);
        Assert.StartsWith("dpcpi run: GPIO chip \"gpiochip99\" does not exist", err, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestLines_LineBusyAtStart_GpioExceptionNamesHolderAndEbusy()
    {
        var backend = new FakeGpioBackend();
        backend.AddChip("gpiochip0", BoardCatalog.Get(RaspberryPiModel.Pi4B));
        using var holder = backend.RequestLines("gpiochip0", new GpioLineRequestOptions("other-daemon").Add(27, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling)));

        var ex = Assert.Throws<GpioException>(() => backend.RequestLines("gpiochip0", new GpioLineRequestOptions("dpcpi-latency").Add(27, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling))));

        Assert.Equal("Line 27 (GPIO27) on gpiochip0 is busy: consumer \"other-daemon\" holds it; stop that program or choose another line.", ex.Message);
        Assert.Equal(Errnos.EBUSY, ex.Errno);
        Dpcpi.AssertOneLine(ex.Message);
    }

    [Fact]
    public void LinuxBackend_ChipWithoutPermission_PermissionDeniedMessage()
    {
        if (IsRoot)
        {
            Assert.Skip("running as root: permission bits do not apply to root (CAP_DAC_OVERRIDE); the child-process test below drops to 'nobody' instead");
        }

        var dir = Dpcpi.TempDir();
        var chip = Path.Combine(dir, "gpiochip0");
        File.WriteAllText(chip, string.Empty);
        File.SetUnixFileMode(chip, UnixFileMode.None);
        var backend = new LinuxGpioBackend(dir);

        var ex = Assert.Throws<GpioException>(() => backend.GetChip("gpiochip0"));

        Assert.StartsWith($"Permission denied opening {chip} (EACCES): add your user to the 'gpio' group", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LatencyChild_AsNobodyChipWithoutPermission_OneLinePermissionDeniedExit3()
    {
        if (!IsRoot || !HasSetpriv)
        {
            Assert.Skip("needs root and setpriv to drop to 'nobody' (the in-process test covers non-root)");
        }

        var dir = Dpcpi.TempDir();
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var chip = Path.Combine(dir, "gpiochip0");
        File.WriteAllText(chip, string.Empty);
        File.SetUnixFileMode(chip, UnixFileMode.None);

        var (code, _, err) = await Dpcpi.RunChildAsync(DropToNobody(), ["latency", "--source", "gpio", "--chip", chip, "-l", "10", "-q"], TimeSpan.FromSeconds(60));

        Assert.Equal(ExitCodes.Device, code);
        Dpcpi.AssertOneLine(err);
        Assert.Equal($"dpcpi latency: Permission denied opening {chip} (EACCES): add your user to the 'gpio' group (sudo usermod -aG gpio $USER, then log in again) or check the device's owner and mode with 'ls -l {chip}'.", err.TrimEnd());
    }

    [Fact]
    public async Task LatencyChild_NoCapSysNiceNoCapIpcLock_RunsDegradedAndReportSaysWhy()
    {
        if (!IsRoot || !HasSetpriv)
        {
            Assert.Skip("needs root and setpriv to drop every capability");
        }

        var dir = Dpcpi.TempDir();
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        var json = Path.Combine(dir, "r.json");

        var (code, stdout, err) = await Dpcpi.RunChildAsync(DropToNobody(), ["latency", "-l", "100", "--source", "fake", "-m", "-q", "--json", json], TimeSpan.FromSeconds(60));

        Assert.True(code == ExitCodes.Ok, $"exit {code}\n{stdout}\n{err}");
        Assert.Equal(string.Empty, err);
        Assert.Contains("realtime=no", stdout, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var g = doc.RootElement.GetProperty("guarantees");
        Assert.False(g.GetProperty("realtime").GetBoolean());
        Assert.False(g.GetProperty("mlocked").GetBoolean());
        var notes = g.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToArray();
        Assert.Contains(notes, n => n.StartsWith("SCHED_FIFO refused (", StringComparison.Ordinal) && n.Contains("needs CAP_SYS_NICE", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("mlockall refused: ", StringComparison.Ordinal) && n.Contains("CAP_IPC_LOCK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunChild_GpioChipMissing_UserSeesOneLineNoStackTrace()
    {
        var (code, stdout, err) = await Dpcpi.RunChildAsync([], ["run", "--Source:Kind=gpio", "--Source:Chip=gpiochip99", "--Kernel:Realtime=false"], TimeSpan.FromSeconds(60));

        Assert.Equal(ExitCodes.Device, code);
        Dpcpi.AssertOneLine(err);
        Assert.StartsWith("dpcpi run: GPIO chip \"gpiochip99\" does not exist", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout, StringComparison.Ordinal);
    }
}
