using DpcPi.Platform.Gpio;

namespace DpcPi.Gpio;

/// <summary>Translation between <see cref="GpioLineSettings"/> and the uAPI v2 flag words and config.</summary>
internal static class LineFlags
{
    public static ulong FromSettings(GpioLineSettings s)
    {
        var flags = s.Mode == PinMode.Output ? GpioUapi.FlagOutput : GpioUapi.FlagInput;
        if (s.ActiveLow)
        {
            flags |= GpioUapi.FlagActiveLow;
        }

        if ((s.Edges & PinEventTypes.Rising) != 0)
        {
            flags |= GpioUapi.FlagEdgeRising;
        }

        if ((s.Edges & PinEventTypes.Falling) != 0)
        {
            flags |= GpioUapi.FlagEdgeFalling;
        }

        flags |= s.Drive switch
        {
            GpioDrive.OpenDrain => GpioUapi.FlagOpenDrain,
            GpioDrive.OpenSource => GpioUapi.FlagOpenSource,
            _ => 0,
        };
        flags |= s.Bias switch
        {
            GpioBias.PullUp => GpioUapi.FlagBiasPullUp,
            GpioBias.PullDown => GpioUapi.FlagBiasPullDown,
            GpioBias.Disabled => GpioUapi.FlagBiasDisabled,
            _ => 0,
        };
        flags |= s.EventClock switch
        {
            GpioEventClock.Realtime => GpioUapi.FlagEventClockRealtime,
            GpioEventClock.Hte => GpioUapi.FlagEventClockHte,
            _ => 0,
        };
        return flags;
    }

    /// <summary>The kernel's own flag rules (gpio_v2_line_flags_validate) as sentences; null when valid.</summary>
    public static string? Validate(ulong flags)
    {
        if ((flags & ~GpioUapi.ValidRequestFlags) != 0)
        {
            return $"Flags 0x{flags:X} contain bits a request may not set (allowed: 0x{GpioUapi.ValidRequestFlags:X}).";
        }

        if ((flags & GpioUapi.DirectionFlags) == GpioUapi.DirectionFlags)
        {
            return "A line cannot be both input and output.";
        }

        if ((flags & GpioUapi.EdgeFlags) != 0 && (flags & GpioUapi.FlagInput) == 0)
        {
            return "Edge detection needs the input direction.";
        }

        if ((flags & GpioUapi.DriveFlags) == GpioUapi.DriveFlags)
        {
            return "Only one drive may be set: open-drain or open-source, not both.";
        }

        if ((flags & GpioUapi.DriveFlags) != 0 && (flags & GpioUapi.FlagOutput) == 0)
        {
            return "Open-drain and open-source drive need the output direction.";
        }

        if (System.Numerics.BitOperations.PopCount(flags & GpioUapi.BiasFlags) > 1)
        {
            return "Only one bias may be set: pull-up, pull-down or disabled.";
        }

        if ((flags & GpioUapi.BiasFlags) != 0 && (flags & GpioUapi.DirectionFlags) == 0)
        {
            return "A bias needs an explicit direction (input or output).";
        }

        if ((flags & GpioUapi.ClockFlags) == GpioUapi.ClockFlags)
        {
            return "Only one event clock may be set: realtime or HTE, not both.";
        }

        return null;
    }

    public static GpioLineInfo ToLineInfo(int offset, string name, string consumer, ulong flags, uint debounceUs) => new(
        offset,
        name,
        consumer,
        (flags & GpioUapi.FlagUsed) != 0,
        (flags & GpioUapi.FlagOutput) != 0 ? PinMode.Output : PinMode.Input,
        ((flags & GpioUapi.FlagEdgeRising) != 0 ? PinEventTypes.Rising : PinEventTypes.None) | ((flags & GpioUapi.FlagEdgeFalling) != 0 ? PinEventTypes.Falling : PinEventTypes.None),
        (flags & GpioUapi.FlagBiasPullUp) != 0 ? GpioBias.PullUp : (flags & GpioUapi.FlagBiasPullDown) != 0 ? GpioBias.PullDown : (flags & GpioUapi.FlagBiasDisabled) != 0 ? GpioBias.Disabled : GpioBias.AsIs,
        (flags & GpioUapi.FlagOpenDrain) != 0 ? GpioDrive.OpenDrain : (flags & GpioUapi.FlagOpenSource) != 0 ? GpioDrive.OpenSource : GpioDrive.PushPull,
        (flags & GpioUapi.FlagActiveLow) != 0,
        (flags & GpioUapi.FlagEventClockRealtime) != 0 ? GpioEventClock.Realtime : (flags & GpioUapi.FlagEventClockHte) != 0 ? GpioEventClock.Hte : GpioEventClock.Monotonic,
        TimeSpan.FromMicroseconds(debounceUs));

    /// <summary>
    /// Encodes per-line settings as a gpio_v2_line_config: the most common flag word becomes config.flags,
    /// the others FLAGS attributes; one DEBOUNCE attribute per distinct period; one OUTPUT_VALUES attribute.
    /// Throws <see cref="ArgumentException"/> when more than 10 attributes would be needed.
    /// </summary>
    public static void EncodeConfig(IReadOnlyList<GpioRequestedLine> lines, ref GpioUapi.LineConfig config)
    {
        config = default;
        var flags = new ulong[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            flags[i] = FromSettings(lines[i].Settings);
            var error = Validate(flags[i]);
            if (error is not null)
            {
                throw new ArgumentException($"Line {lines[i].Offset}: {error}");
            }
        }

        var baseFlags = flags.GroupBy(f => f).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        config.Flags = baseFlags;
        var attrs = new List<GpioUapi.LineConfigAttribute>();
        foreach (var group in flags.Select((f, i) => (f, i)).Where(x => x.f != baseFlags).GroupBy(x => x.f))
        {
            attrs.Add(new GpioUapi.LineConfigAttribute
            {
                Attr = new GpioUapi.LineAttribute { Id = GpioUapi.AttrIdFlags, Value = group.Key },
                Mask = MaskOf(group.Select(x => x.i)),
            });
        }

        foreach (var group in lines.Select((l, i) => (us: (uint)l.Settings.DebouncePeriod.TotalMicroseconds, i)).Where(x => x.us > 0).GroupBy(x => x.us))
        {
            attrs.Add(new GpioUapi.LineConfigAttribute
            {
                Attr = new GpioUapi.LineAttribute { Id = GpioUapi.AttrIdDebounce, DebouncePeriodUs = group.Key },
                Mask = MaskOf(group.Select(x => x.i)),
            });
        }

        var outputMask = 0UL;
        var outputValues = 0UL;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Settings.Mode == PinMode.Output)
            {
                outputMask |= 1UL << i;
                if (lines[i].Settings.OutputValue == PinValue.High)
                {
                    outputValues |= 1UL << i;
                }
            }
        }

        if (outputMask != 0)
        {
            attrs.Add(new GpioUapi.LineConfigAttribute
            {
                Attr = new GpioUapi.LineAttribute { Id = GpioUapi.AttrIdOutputValues, Value = outputValues },
                Mask = outputMask,
            });
        }

        if (attrs.Count > GpioUapi.NumAttrsMax)
        {
            throw new ArgumentException($"These lines need {attrs.Count} distinct configurations, more than the kernel's {GpioUapi.NumAttrsMax} attributes per request; split them into several requests.");
        }

        config.NumAttrs = (uint)attrs.Count;
        for (var i = 0; i < attrs.Count; i++)
        {
            config.Attrs[i] = attrs[i];
        }
    }

    private static ulong MaskOf(IEnumerable<int> indexes)
    {
        var mask = 0UL;
        foreach (var i in indexes)
        {
            mask |= 1UL << i;
        }

        return mask;
    }
}
