using DpcPi.Gpio;
using DpcPi.Labs.Button;
using DpcPi.Labs.Framework;
using DpcPi.Labs.Loopback;
using DpcPi.Labs.Wiring;

namespace DpcPi.Labs.Tests;

/// <summary>The labs' real-pin path (`dpcpi lab NAME --source gpio`) up to the chip, and on a fake chip with real kernel threads.</summary>
public sealed class GpioLabTests
{
    private static string WiringFile(string lab) => Path.Combine(RepoPaths.WiringRoot, lab, "wiring.json");

    private static FakeGpioBackend Board(RaspberryPiModel model)
    {
        var gpio = new FakeGpioBackend();
        gpio.AddChip("gpiochip0", BoardCatalog.Get(model));
        return gpio;
    }

    [Fact]
    public void Resolve_Pi5_OpensTheRp1ChipByLabelAndTakesLinesFromTheWiring()
    {
        var file = WiringFile("ultrasonic");

        var pins = LabPins.Resolve(Board(RaspberryPiModel.Pi5), WiringLoader.Load(file), file, BoardCatalog.Get(RaspberryPiModel.Pi5), chip: null);

        Assert.Equal(("gpiochip0", "pinctrl-rp1"), (pins.Chip.Name, pins.Chip.Label));
        Assert.Equal((23, 24), (pins.Line("trig"), pins.Line("echo")));
        Assert.Equal("GPIO24 (pin 18) on gpiochip0 [pinctrl-rp1]", pins.Describe("echo"));
    }

    [Fact]
    public void Resolve_BoardWhoseChipIsMissing_ThrowsOneLineNamingTheChipsThatExist()
    {
        var file = WiringFile("button");

        // A Pi 4's chip on a machine that has only the Pi 5's.
        var ex = Assert.Throws<GpioException>(() => LabPins.Resolve(Board(RaspberryPiModel.Pi5), WiringLoader.Load(file), file, BoardCatalog.Get(RaspberryPiModel.Pi4B), chip: null));

        Assert.Equal(DpcPi.Platform.Errnos.ENOENT, ex.Errno);
        Assert.Contains("\"pinctrl-bcm2711\" does not exist", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Resolve_ChipTooSmallForTheWiring_ThrowsNamingPinAndLineCount()
    {
        var gpio = new FakeGpioBackend();
        gpio.AddChip("gpiochip1", "small", 8);
        var file = WiringFile("button");

        var ex = Assert.Throws<GpioException>(() => LabPins.Resolve(gpio, WiringLoader.Load(file), file, board: null, chip: "gpiochip1"));

        Assert.StartsWith("gpiochip1 [small] has 8 lines, so it has no GPIO17 for pin \"button\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_PinTheLabNeedsMissingFromTheWiring_ThrowsWiringExceptionNamingThePins()
    {
        var file = WiringFile("button");
        var pins = LabPins.Resolve(Board(RaspberryPiModel.Pi4B), WiringLoader.Load(file), file, BoardCatalog.Get(RaspberryPiModel.Pi4B), chip: null);

        var ex = Assert.Throws<WiringException>(() => pins.Line("trig"));

        Assert.Equal($"{file}: the button lab needs a pin \"trig\"; the file declares button.", ex.Message);
    }

    [Fact]
    public void BuildOutput_EveryLab_CarriesItsWiringRecipeBesideTheAssembly()
    {
        // What `dpcpi lab NAME --source gpio` finds beside dpcpi on a Pi that has only deploy.sh's bundle.
        var beside = WiringRenderer.FindWiringRoot(AppContext.BaseDirectory);

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "wiring"), beside);
        foreach (var lab in LabCatalog.All)
        {
            foreach (var name in new[] { "wiring.json", "wiring.svg", "README.md" })
            {
                Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.WiringRoot, lab.Name, name)), File.ReadAllText(Path.Combine(beside!, lab.Name, name)));
            }
        }
    }

    [Fact]
    public void RunGpio_LoopbackOnAFakeChipWithKernelThreads_AccountsForEveryDrivenEdge()
    {
        var file = WiringFile("loopback");
        var gpio = Board(RaspberryPiModel.Pi4B);
        var wiring = WiringLoader.Load(file);
        gpio.AddWire("gpiochip0", 17, "gpiochip0", 27); // the jumper, without the file's 100 ns (a delay needs the fake's manual clock)
        var pins = LabPins.Resolve(gpio, wiring, file, BoardCatalog.Get(RaspberryPiModel.Pi4B), chip: null);
        using var bench = new GpioBench(gpio, pins);

        var result = new LoopbackLab().RunGpio(bench, new GpioLabRun(TimeSpan.FromMilliseconds(100), TextWriter.Null, CancellationToken.None));

        Assert.True(result.Figure("edges") > 0);
        Assert.Equal(result.Figure("edges"), result.Figure("delivered") + result.Figure("lost"));
        Assert.InRange(result.Figure("dpcs"), 1, result.Figure("delivered"));
    }

    [Fact]
    public void RunGpio_ButtonLineBusy_ThrowsEbusyNamingTheHolder()
    {
        var file = WiringFile("button");
        var gpio = Board(RaspberryPiModel.Pi4B);
        using var holder = gpio.RequestLines("gpiochip0", new GpioLineRequestOptions("other-daemon").Add(17, GpioLineSettings.Input(PinEventTypes.Rising)));
        var pins = LabPins.Resolve(gpio, WiringLoader.Load(file), file, BoardCatalog.Get(RaspberryPiModel.Pi4B), chip: null);
        using var bench = new GpioBench(gpio, pins);

        var ex = Assert.Throws<GpioException>(() => new ButtonLab().RunGpio(bench, new GpioLabRun(TimeSpan.FromMilliseconds(10), TextWriter.Null, CancellationToken.None)));

        Assert.Equal(DpcPi.Platform.Errnos.EBUSY, ex.Errno);
        Assert.Contains("consumer \"other-daemon\" holds it", ex.Message, StringComparison.Ordinal);
    }
}
