using DpcPi.Platform.Gpio;

namespace DpcPi.Gpio.Tests;

public sealed class LineSettingsValidationTests
{
    [Fact]
    public void Validate_EdgesOnOutput_ThrowsNamingEdgeNeedsInput()
    {
        var s = GpioLineSettings.Output() with { Edges = PinEventTypes.Rising };
        var ex = Assert.Throws<ArgumentException>(s.Validate);
        Assert.Equal("Edge detection (Rising) needs an input line, but the line is configured as Output.", ex.Message);
    }

    [Fact]
    public void Validate_DriveOnInput_ThrowsNamingDriveNeedsOutput()
    {
        var s = GpioLineSettings.Input() with { Drive = GpioDrive.OpenDrain };
        Assert.Equal("Drive OpenDrain needs an output line, but the line is configured as Input.", Assert.Throws<ArgumentException>(s.Validate).Message);
    }

    [Fact]
    public void Validate_DebounceOnOutput_ThrowsNamingDebounceNeedsInput()
    {
        var s = GpioLineSettings.Output() with { DebouncePeriod = TimeSpan.FromMilliseconds(1) };
        Assert.Equal("A debounce period needs an input line, but the line is configured as Output.", Assert.Throws<ArgumentException>(s.Validate).Message);
    }

    [Fact]
    public void Validate_SubMicrosecondDebounce_Throws()
    {
        var s = GpioLineSettings.Input() with { DebouncePeriod = TimeSpan.FromTicks(15) };
        Assert.StartsWith("Debounce period", Assert.Throws<ArgumentException>(s.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RealtimeClockWithoutEdges_Throws()
    {
        var s = GpioLineSettings.Input() with { EventClock = GpioEventClock.Realtime };
        Assert.Contains("only matters with edge detection", Assert.Throws<ArgumentException>(s.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ValidInputWithEverything_DoesNotThrow()
    {
        var s = GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullUp) with
        {
            ActiveLow = true,
            DebouncePeriod = TimeSpan.FromMicroseconds(250),
            EventClock = GpioEventClock.Hte,
        };
        Assert.Null(s.GetValidationError());
    }

    [Theory]
    [InlineData(GpioUapi.FlagInput | GpioUapi.FlagOutput, "A line cannot be both input and output.")]
    [InlineData(GpioUapi.FlagOutput | GpioUapi.FlagEdgeRising, "Edge detection needs the input direction.")]
    [InlineData(GpioUapi.FlagEdgeFalling, "Edge detection needs the input direction.")]
    [InlineData(GpioUapi.FlagOutput | GpioUapi.FlagOpenDrain | GpioUapi.FlagOpenSource, "Only one drive may be set: open-drain or open-source, not both.")]
    [InlineData(GpioUapi.FlagInput | GpioUapi.FlagOpenDrain, "Open-drain and open-source drive need the output direction.")]
    [InlineData(GpioUapi.FlagInput | GpioUapi.FlagBiasPullUp | GpioUapi.FlagBiasPullDown, "Only one bias may be set: pull-up, pull-down or disabled.")]
    [InlineData(GpioUapi.FlagOutput | GpioUapi.FlagBiasDisabled | GpioUapi.FlagBiasPullDown, "Only one bias may be set: pull-up, pull-down or disabled.")]
    [InlineData(GpioUapi.FlagBiasPullUp, "A bias needs an explicit direction (input or output).")]
    [InlineData(GpioUapi.FlagInput | GpioUapi.FlagEdgeRising | GpioUapi.FlagEventClockRealtime | GpioUapi.FlagEventClockHte, "Only one event clock may be set: realtime or HTE, not both.")]
    [InlineData(GpioUapi.FlagUsed | GpioUapi.FlagInput, "Flags 0x5 contain bits a request may not set (allowed: 0x1FFE).")]
    public void ValidateKernelFlags_InvalidCombination_ReturnsSentence(ulong flags, string expected) =>
        Assert.Equal(expected, LineFlags.Validate(flags));

    [Theory]
    [InlineData(GpioUapi.FlagInput)]
    [InlineData(GpioUapi.FlagOutput | GpioUapi.FlagOpenSource | GpioUapi.FlagBiasPullDown | GpioUapi.FlagActiveLow)]
    [InlineData(GpioUapi.FlagInput | GpioUapi.FlagEdgeRising | GpioUapi.FlagEdgeFalling | GpioUapi.FlagBiasDisabled | GpioUapi.FlagEventClockRealtime)]
    public void ValidateKernelFlags_ValidCombination_ReturnsNull(ulong flags) => Assert.Null(LineFlags.Validate(flags));

    [Fact]
    public void FromSettings_InputBothEdgesPullUpActiveLow_SetsExactBits()
    {
        var s = GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullUp) with { ActiveLow = true };
        Assert.Equal(
            GpioUapi.FlagInput | GpioUapi.FlagEdgeRising | GpioUapi.FlagEdgeFalling | GpioUapi.FlagBiasPullUp | GpioUapi.FlagActiveLow,
            LineFlags.FromSettings(s));
    }

    [Fact]
    public void EncodeConfig_MixedLines_UsesCommonFlagsAndAttributes()
    {
        var lines = new[]
        {
            new GpioRequestedLine(17, GpioLineSettings.Output(PinValue.High)),
            new GpioRequestedLine(27, GpioLineSettings.Input(PinEventTypes.Rising) with { DebouncePeriod = TimeSpan.FromMicroseconds(100) }),
            new GpioRequestedLine(22, GpioLineSettings.Input(PinEventTypes.Rising)),
        };
        var config = default(GpioUapi.LineConfig);
        LineFlags.EncodeConfig(lines, ref config);

        Assert.Equal(GpioUapi.FlagInput | GpioUapi.FlagEdgeRising, config.Flags);
        Assert.Equal(3u, config.NumAttrs);
        Assert.Equal((GpioUapi.AttrIdFlags, GpioUapi.FlagOutput, 0b001UL), (config.Attrs[0].Attr.Id, config.Attrs[0].Attr.Value, config.Attrs[0].Mask));
        Assert.Equal((GpioUapi.AttrIdDebounce, 100u, 0b010UL), (config.Attrs[1].Attr.Id, config.Attrs[1].Attr.DebouncePeriodUs, config.Attrs[1].Mask));
        Assert.Equal((GpioUapi.AttrIdOutputValues, 0b001UL, 0b001UL), (config.Attrs[2].Attr.Id, config.Attrs[2].Attr.Value, config.Attrs[2].Mask));
    }

    [Fact]
    public void EncodeConfig_MoreThanTenDistinctConfigurations_Throws()
    {
        var lines = Enumerable.Range(0, 12)
            .Select(i => new GpioRequestedLine(i, GpioLineSettings.Input(PinEventTypes.Rising) with { DebouncePeriod = TimeSpan.FromMicroseconds(i + 1) }))
            .ToArray();
        var config = default(GpioUapi.LineConfig);
        var ex = Assert.Throws<ArgumentException>(() => LineFlags.EncodeConfig(lines, ref config));
        Assert.Contains("more than the kernel's 10 attributes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsValidate_BufferAboveKernelMaximum_Throws()
    {
        var o = new GpioLineRequestOptions("t") { EventBufferSize = 2048 }.Add(1, GpioLineSettings.Input());
        Assert.Equal("Event buffer size 2048 is outside 1..1024 (the kernel's maximum).", Assert.Throws<ArgumentException>(() => o.Validate()).Message);
    }

    [Fact]
    public void OptionsValidate_DuplicateOffset_Throws()
    {
        var o = new GpioLineRequestOptions("t").Add(1, GpioLineSettings.Input()).Add(1, GpioLineSettings.Input());
        Assert.Equal("Line offset 1 is requested twice.", Assert.Throws<ArgumentException>(() => o.Validate()).Message);
    }

    [Fact]
    public void OptionsValidate_ConsumerTooLong_Throws()
    {
        var o = new GpioLineRequestOptions(new string('c', 32)).Add(1, GpioLineSettings.Input());
        Assert.Contains("longer than the kernel's 31 bytes", Assert.Throws<ArgumentException>(() => o.Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsDefault_EventBufferSize_Is1024()
    {
        Assert.Equal(1024, new GpioLineRequestOptions("t").EventBufferSize);
        Assert.Equal(GpioUapi.MaxEventBufferSize, GpioLineRequestOptions.MaxEventBufferSize);
    }
}
