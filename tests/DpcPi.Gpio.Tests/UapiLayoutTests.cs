using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DpcPi.Platform.Gpio;

namespace DpcPi.Gpio.Tests;

public sealed unsafe class UapiLayoutTests
{
    // _IOC(dir, type, nr, size) = dir << 30 | size << 16 | type << 8 | nr; _IOR dir = 2, _IOWR dir = 3.
    private static uint Ioc(uint dir, int size, uint nr) => (dir << 30) | ((uint)size << 16) | (0xB4u << 8) | nr;

    [Fact]
    public void StructSizes_MatchKernelHeader_Exactly()
    {
        Assert.Equal(68, sizeof(GpioUapi.ChipInfo));
        Assert.Equal(16, sizeof(GpioUapi.LineAttribute));
        Assert.Equal(24, sizeof(GpioUapi.LineConfigAttribute));
        Assert.Equal(272, sizeof(GpioUapi.LineConfig));
        Assert.Equal(592, sizeof(GpioUapi.LineRequest));
        Assert.Equal(256, sizeof(GpioUapi.LineInfo));
        Assert.Equal(16, sizeof(GpioUapi.LineValues));
        Assert.Equal(48, sizeof(GpioUapi.LineEvent));
        Assert.Equal(48, Unsafe.SizeOf<GpioUapi.LineEvent>());
        Assert.Equal(592, Unsafe.SizeOf<GpioUapi.LineRequest>());
    }

    [Fact]
    public void FieldOffsets_MatchKernelHeader_Exactly()
    {
        Assert.Equal(256, (int)Marshal.OffsetOf<GpioUapi.LineRequest>(nameof(GpioUapi.LineRequest.Consumer)));
        Assert.Equal(288, (int)Marshal.OffsetOf<GpioUapi.LineRequest>(nameof(GpioUapi.LineRequest.Config)));
        Assert.Equal(560, (int)Marshal.OffsetOf<GpioUapi.LineRequest>(nameof(GpioUapi.LineRequest.NumLines)));
        Assert.Equal(564, (int)Marshal.OffsetOf<GpioUapi.LineRequest>(nameof(GpioUapi.LineRequest.EventBufferSize)));
        Assert.Equal(588, (int)Marshal.OffsetOf<GpioUapi.LineRequest>(nameof(GpioUapi.LineRequest.Fd)));
        Assert.Equal(32, (int)Marshal.OffsetOf<GpioUapi.LineConfig>(nameof(GpioUapi.LineConfig.Attrs)));
        Assert.Equal(64, (int)Marshal.OffsetOf<GpioUapi.LineInfo>(nameof(GpioUapi.LineInfo.Offset)));
        Assert.Equal(72, (int)Marshal.OffsetOf<GpioUapi.LineInfo>(nameof(GpioUapi.LineInfo.Flags)));
        Assert.Equal(80, (int)Marshal.OffsetOf<GpioUapi.LineInfo>(nameof(GpioUapi.LineInfo.Attrs)));
        Assert.Equal(12, (int)Marshal.OffsetOf<GpioUapi.LineEvent>(nameof(GpioUapi.LineEvent.Offset)));
        Assert.Equal(16, (int)Marshal.OffsetOf<GpioUapi.LineEvent>(nameof(GpioUapi.LineEvent.Seqno)));
        Assert.Equal(20, (int)Marshal.OffsetOf<GpioUapi.LineEvent>(nameof(GpioUapi.LineEvent.LineSeqno)));
        Assert.Equal(64, (int)Marshal.OffsetOf<GpioUapi.ChipInfo>(nameof(GpioUapi.ChipInfo.Lines)));
    }

    [Fact]
    public void DebounceAttribute_SharesUnionWithValue_LowWordOnLittleEndian()
    {
        var a = new GpioUapi.LineAttribute { Id = GpioUapi.AttrIdDebounce, DebouncePeriodUs = 5000 };
        Assert.Equal(5000UL, a.Value);
    }

    [Fact]
    public void IoctlNumbers_MatchIocEncoding_AndBriefValues()
    {
        Assert.Equal(0x8044B401u, GpioUapi.GetChipInfoIoctl);
        Assert.Equal(GpioUapi.GetChipInfoIoctl, Ioc(2, sizeof(GpioUapi.ChipInfo), 0x01));
        Assert.Equal(0xC100B405u, GpioUapi.GetLineInfoIoctl);
        Assert.Equal(GpioUapi.GetLineInfoIoctl, Ioc(3, sizeof(GpioUapi.LineInfo), 0x05));
        Assert.Equal(0xC250B407u, GpioUapi.GetLineIoctl);
        Assert.Equal(GpioUapi.GetLineIoctl, Ioc(3, sizeof(GpioUapi.LineRequest), 0x07));
        Assert.Equal(0xC110B40Du, GpioUapi.LineSetConfigIoctl);
        Assert.Equal(GpioUapi.LineSetConfigIoctl, Ioc(3, sizeof(GpioUapi.LineConfig), 0x0D));
        Assert.Equal(0xC010B40Eu, GpioUapi.LineGetValuesIoctl);
        Assert.Equal(GpioUapi.LineGetValuesIoctl, Ioc(3, sizeof(GpioUapi.LineValues), 0x0E));
        Assert.Equal(0xC010B40Fu, GpioUapi.LineSetValuesIoctl);
        Assert.Equal(GpioUapi.LineSetValuesIoctl, Ioc(3, sizeof(GpioUapi.LineValues), 0x0F));
    }

    [Fact]
    public void FlagBits_MatchKernelEnum_Exactly()
    {
        ulong[] flags =
        [
            GpioUapi.FlagUsed, GpioUapi.FlagActiveLow, GpioUapi.FlagInput, GpioUapi.FlagOutput, GpioUapi.FlagEdgeRising,
            GpioUapi.FlagEdgeFalling, GpioUapi.FlagOpenDrain, GpioUapi.FlagOpenSource, GpioUapi.FlagBiasPullUp,
            GpioUapi.FlagBiasPullDown, GpioUapi.FlagBiasDisabled, GpioUapi.FlagEventClockRealtime, GpioUapi.FlagEventClockHte,
        ];
        for (var i = 0; i < flags.Length; i++)
        {
            Assert.Equal(1UL << i, flags[i]);
        }

        Assert.Equal(0x1FFEUL, GpioUapi.ValidRequestFlags);
        Assert.Equal((1u, 2u, 3u), (GpioUapi.AttrIdFlags, GpioUapi.AttrIdOutputValues, GpioUapi.AttrIdDebounce));
        Assert.Equal((uint)PinEventTypes.Rising, GpioUapi.EventRisingEdge);
        Assert.Equal((uint)PinEventTypes.Falling, GpioUapi.EventFallingEdge);
    }

    [Fact]
    public void NameHelpers_RoundTripAndRejectTooLong()
    {
        var info = default(GpioUapi.ChipInfo);
        Assert.True(GpioUapi.WriteName(info.Label, "pinctrl-bcm2711"));
        Assert.Equal("pinctrl-bcm2711", GpioUapi.ReadName(info.Label));
        Assert.False(GpioUapi.WriteName(info.Name, new string('x', 32)));
        new Span<byte>(info.Name, 32).Fill((byte)'a'); // unterminated: read stops at 32 bytes
        Assert.Equal(new string('a', 32), GpioUapi.ReadName(info.Name));
    }
}
