using DpcPi.Platform;

namespace DpcPi.Gpio.Tests;

public sealed class BoardCatalogTests
{
    private static readonly BoardInfo Pi4 = BoardCatalog.Get(RaspberryPiModel.Pi4B);

    [Theory]
    [InlineData("GPIO17", 17, 11)]
    [InlineData("gpio17", 17, 11)]
    [InlineData("BCM17", 17, 11)]
    [InlineData("GPIO 4", 4, 7)]
    [InlineData("pin 11", 17, 11)]
    [InlineData("P1-11", 17, 11)]
    [InlineData("J8-13", 27, 13)]
    [InlineData("physical 40", 21, 40)]
    [InlineData("pin 27", 0, 27)]
    public void Resolve_KnownSpellings_GiveBcmOffsetAndHeaderPin(string spec, int offset, int physical)
    {
        var a = BoardCatalog.Resolve(Pi4, spec);
        Assert.Equal(new GpioPinAddress("pinctrl-bcm2711", offset, physical, "GPIO" + offset), a);
    }

    [Theory]
    [InlineData("pin 2", "\"pin 2\": pin 2 is 5V power, not a GPIO.")]
    [InlineData("pin 6", "\"pin 6\": pin 6 is ground (GND), not a GPIO.")]
    [InlineData("P1-17", "\"P1-17\": pin 17 is 3.3V power, not a GPIO.")]
    [InlineData("pin 41", "\"pin 41\": pin 41 does not exist; the header has pins 1..40.")]
    [InlineData("GPIO58", "\"GPIO58\": GPIO58 does not exist on the Raspberry Pi 4 Model B (pinctrl-bcm2711 has GPIO0..GPIO57; the header has GPIO0..GPIO27).")]
    [InlineData("11", "\"11\" is ambiguous: write GPIO11 for the BCM number or pin 11 for the physical header pin.")]
    [InlineData("LED", "\"LED\" is not a pin name: write GPIO17 or BCM17 (BCM numbering), or pin 11, P1-11 or J8-11 (physical header pin).")]
    public void Resolve_NotAGpio_ThrowsOneClearSentence(string spec, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => BoardCatalog.Resolve(Pi4, spec)).Message);

    [Fact]
    public void Resolve_OffHeaderGpioOnChip_HasNoPhysicalPin() =>
        Assert.Equal(0, BoardCatalog.Resolve(Pi4, "GPIO42").PhysicalPin);

    [Theory]
    [InlineData("Raspberry Pi 3 Model B Rev 1.2\0", RaspberryPiModel.Pi3B, "pinctrl-bcm2835")]
    [InlineData("Raspberry Pi 3 Model B Plus Rev 1.3\0", RaspberryPiModel.Pi3BPlus, "pinctrl-bcm2835")]
    [InlineData("Raspberry Pi 4 Model B Rev 1.4\0", RaspberryPiModel.Pi4B, "pinctrl-bcm2711")]
    [InlineData("Raspberry Pi 400 Rev 1.0\0", RaspberryPiModel.Pi400, "pinctrl-bcm2711")]
    [InlineData("Raspberry Pi 5 Model B Rev 1.0\0", RaspberryPiModel.Pi5, "pinctrl-rp1")]
    [InlineData("Raspberry Pi Zero 2 W Rev 1.0\0", RaspberryPiModel.Zero2W, "pinctrl-bcm2835")]
    [InlineData("Raspberry Pi Compute Module 4 Rev 1.1\0", RaspberryPiModel.ComputeModule4, "pinctrl-bcm2711")]
    public void FromModelString_DeviceTreeModel_DetectsBoardAndChipLabel(string model, RaspberryPiModel expected, string label)
    {
        var board = BoardCatalog.FromModelString(model);
        Assert.NotNull(board);
        Assert.Equal((expected, label), (board.Model, board.ChipLabel));
    }

    [Fact]
    public void Detect_ProcMissing_FallsBackToSysfirmware()
    {
        var board = BoardCatalog.Detect(path => path == "/sys/firmware/devicetree/base/model" ? "Raspberry Pi 5 Model B Rev 1.0\0" : null);
        Assert.Equal(RaspberryPiModel.Pi5, board.Model);
    }

    [Fact]
    public void Detect_UnknownModel_ThrowsListingKnownBoards()
    {
        var ex = Assert.Throws<GpioException>(() => BoardCatalog.Detect(_ => "Pine64 RockPro64\0"));
        Assert.StartsWith("Unknown board \"Pine64 RockPro64\" (from /proc/device-tree/model); DpcPi knows Raspberry Pi 3 Model B, ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_NoDeviceTree_ThrowsEnoent()
    {
        var ex = Assert.Throws<GpioException>(() => BoardCatalog.Detect(_ => null));
        Assert.Equal(Errnos.ENOENT, ex.Errno);
    }

    [Fact]
    public void Header_EveryBoard_Has26GpiosEightGroundsFourPowerPins()
    {
        foreach (var board in BoardCatalog.All)
        {
            Assert.Equal(40, board.Header.Count);
            Assert.Equal(28, board.Header.Count(p => p.Kind == HeaderPinKind.Gpio));
            Assert.Equal(8, board.Header.Count(p => p.Kind == HeaderPinKind.Ground));
            Assert.Equal([1, 17], board.Header.Where(p => p.Kind == HeaderPinKind.Power3V3).Select(p => p.PhysicalPin));
            Assert.Equal([2, 4], board.Header.Where(p => p.Kind == HeaderPinKind.Power5V).Select(p => p.PhysicalPin));
            Assert.Equal(Enumerable.Range(0, 28), board.Header.Where(p => p.Kind == HeaderPinKind.Gpio).Select(p => p.Gpio).Order());
        }
    }

    [Fact]
    public void Pi5_ChipNote_ExplainsGpiochipRenumbering() =>
        Assert.Contains("gpiochip4 on older kernels", BoardCatalog.Get(RaspberryPiModel.Pi5).ChipNameNote, StringComparison.Ordinal);
}
