using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DpcPi.Platform.Gpio;

/// <summary>
/// The Linux GPIO character device uAPI v2 (include/uapi/linux/gpio.h, kernel 5.10+): structs with
/// the kernel's exact layout and the ioctl request numbers. The encoding is identical on x86_64 and
/// arm64 (no compat padding: every 64-bit field is explicitly aligned in the header).
/// </summary>
internal static unsafe class GpioUapi
{
    public const int MaxNameSize = 32;      // GPIO_MAX_NAME_SIZE
    public const int LinesMax = 64;         // GPIO_V2_LINES_MAX
    public const int NumAttrsMax = 10;      // GPIO_V2_LINE_NUM_ATTRS_MAX
    public const int MaxEventBufferSize = LinesMax * 16; // the kernel clamps event_buffer_size to this

    // ioctl numbers: _IOR/_IOWR(0xB4, nr, struct).
    public const uint GetChipInfoIoctl = 0x8044B401;      // _IOR(0xB4, 0x01, struct gpiochip_info)
    public const uint GetLineInfoIoctl = 0xC100B405;      // _IOWR(0xB4, 0x05, struct gpio_v2_line_info)
    public const uint GetLineIoctl = 0xC250B407;          // _IOWR(0xB4, 0x07, struct gpio_v2_line_request)
    public const uint LineSetConfigIoctl = 0xC110B40D;    // _IOWR(0xB4, 0x0D, struct gpio_v2_line_config)
    public const uint LineGetValuesIoctl = 0xC010B40E;    // _IOWR(0xB4, 0x0E, struct gpio_v2_line_values)
    public const uint LineSetValuesIoctl = 0xC010B40F;    // _IOWR(0xB4, 0x0F, struct gpio_v2_line_values)

    // enum gpio_v2_line_flag
    public const ulong FlagUsed = 1UL << 0;
    public const ulong FlagActiveLow = 1UL << 1;
    public const ulong FlagInput = 1UL << 2;
    public const ulong FlagOutput = 1UL << 3;
    public const ulong FlagEdgeRising = 1UL << 4;
    public const ulong FlagEdgeFalling = 1UL << 5;
    public const ulong FlagOpenDrain = 1UL << 6;
    public const ulong FlagOpenSource = 1UL << 7;
    public const ulong FlagBiasPullUp = 1UL << 8;
    public const ulong FlagBiasPullDown = 1UL << 9;
    public const ulong FlagBiasDisabled = 1UL << 10;
    public const ulong FlagEventClockRealtime = 1UL << 11;
    public const ulong FlagEventClockHte = 1UL << 12;

    public const ulong DirectionFlags = FlagInput | FlagOutput;
    public const ulong EdgeFlags = FlagEdgeRising | FlagEdgeFalling;
    public const ulong DriveFlags = FlagOpenDrain | FlagOpenSource;
    public const ulong BiasFlags = FlagBiasPullUp | FlagBiasPullDown | FlagBiasDisabled;
    public const ulong ClockFlags = FlagEventClockRealtime | FlagEventClockHte;

    /// <summary>Flags a request may carry (GPIO_V2_LINE_VALID_FLAGS: everything but USED).</summary>
    public const ulong ValidRequestFlags = FlagActiveLow | DirectionFlags | EdgeFlags | DriveFlags | BiasFlags | ClockFlags;

    // enum gpio_v2_line_attr_id
    public const uint AttrIdFlags = 1;
    public const uint AttrIdOutputValues = 2;
    public const uint AttrIdDebounce = 3;

    // enum gpio_v2_line_event_id
    public const uint EventRisingEdge = 1;
    public const uint EventFallingEdge = 2;

    /// <summary>struct gpiochip_info (68 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ChipInfo
    {
        public fixed byte Name[MaxNameSize];
        public fixed byte Label[MaxNameSize];
        public uint Lines;
    }

    /// <summary>struct gpio_v2_line_attribute (16 bytes): id, padding, union { flags; values; debounce_period_us }.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct LineAttribute
    {
        [FieldOffset(0)]
        public uint Id;

        [FieldOffset(4)]
        public uint Padding;

        /// <summary>flags (ATTR_ID_FLAGS) or values (ATTR_ID_OUTPUT_VALUES).</summary>
        [FieldOffset(8)]
        public ulong Value;

        /// <summary>debounce_period_us (ATTR_ID_DEBOUNCE); shares storage with <see cref="Value"/>.</summary>
        [FieldOffset(8)]
        public uint DebouncePeriodUs;
    }

    /// <summary>struct gpio_v2_line_config_attribute (24 bytes): the attribute and the mask of request lines it applies to.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LineConfigAttribute
    {
        public LineAttribute Attr;
        public ulong Mask;
    }

    [InlineArray(NumAttrsMax)]
    public struct LineConfigAttributeArray
    {
        private LineConfigAttribute _element0;
    }

    [InlineArray(NumAttrsMax)]
    public struct LineAttributeArray
    {
        private LineAttribute _element0;
    }

    /// <summary>struct gpio_v2_line_config (272 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LineConfig
    {
        public ulong Flags;
        public uint NumAttrs;
        public fixed uint Padding[5];
        public LineConfigAttributeArray Attrs;
    }

    /// <summary>struct gpio_v2_line_request (592 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LineRequest
    {
        public fixed uint Offsets[LinesMax];
        public fixed byte Consumer[MaxNameSize];
        public LineConfig Config;
        public uint NumLines;
        public uint EventBufferSize;
        public fixed uint Padding[5];
        public int Fd;
    }

    /// <summary>struct gpio_v2_line_info (256 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LineInfo
    {
        public fixed byte Name[MaxNameSize];
        public fixed byte Consumer[MaxNameSize];
        public uint Offset;
        public uint NumAttrs;
        public ulong Flags;
        public LineAttributeArray Attrs;
        public fixed uint Padding[4];
    }

    /// <summary>struct gpio_v2_line_values (16 bytes): bitmaps indexed by position in the request, not by offset.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LineValues
    {
        public ulong Bits;
        public ulong Mask;
    }

    /// <summary>struct gpio_v2_line_event (48 bytes), what read() on a line request returns.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LineEvent
    {
        public ulong TimestampNs;
        public uint Id;
        public uint Offset;
        public uint Seqno;
        public uint LineSeqno;
        public fixed uint Padding[6];
    }

    /// <summary>Reads a NUL-terminated (or full-width, unterminated) kernel name field.</summary>
    public static string ReadName(byte* field)
    {
        var n = 0;
        while (n < MaxNameSize && field[n] != 0)
        {
            n++;
        }

        return System.Text.Encoding.UTF8.GetString(field, n);
    }

    /// <summary>Writes <paramref name="value"/> as a NUL-terminated name (at most 31 bytes); returns false when it does not fit.</summary>
    public static bool WriteName(byte* field, string value)
    {
        var span = new Span<byte>(field, MaxNameSize);
        span.Clear();
        var count = System.Text.Encoding.UTF8.GetByteCount(value);
        if (count >= MaxNameSize)
        {
            return false;
        }

        System.Text.Encoding.UTF8.GetBytes(value, span);
        return true;
    }
}
