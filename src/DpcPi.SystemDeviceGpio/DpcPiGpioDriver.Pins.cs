using System.Device.Gpio;
using Lines = DpcPi.Gpio;

namespace DpcPi.SystemDeviceGpio;

/// <summary>Modes and levels: what System.Device.Gpio asks of an open pin, mapped onto its DpcPi line request.</summary>
public sealed partial class DpcPiGpioDriver
{
    protected override void SetPinMode(int pinNumber, PinMode mode) => SetMode(pinNumber, mode, null);

    /// <summary>Output with <paramref name="initialValue"/> is one request or reconfiguration: the line never shows the other level.</summary>
    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue) => SetMode(pinNumber, mode, initialValue);

    protected override PinMode GetPinMode(int pinNumber) => OpenState(pinNumber).Mode;

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode)
    {
        CheckPin(pinNumber);
        return IsSupported(mode);
    }

    /// <summary>The line's logical level. No lock: callbacks may read pins (encoders do).</summary>
    protected override PinValue Read(int pinNumber)
    {
        var state = OpenState(pinNumber);
        var request = state.Request ?? RequestDeferred(pinNumber, null);
        return request.Read(pinNumber) == Lines.PinValue.High ? PinValue.High : PinValue.Low;
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        var state = OpenState(pinNumber);
        if (state.Request is null)
        {
            _ = RequestDeferred(pinNumber, value);
            return;
        }

        if (state.Mode != PinMode.Output)
        {
            throw new InvalidOperationException($"Pin {pinNumber} is an input ({state.Mode}); set it to PinMode.Output before writing.");
        }

        state.Request.Write(pinNumber, ToLines(value));
    }

    protected override void Toggle(int pinNumber)
    {
        if (OpenState(pinNumber).Mode != PinMode.Output)
        {
            throw new InvalidOperationException($"Pin {pinNumber} is not an output; only outputs can be toggled.");
        }

        Write(pinNumber, !Read(pinNumber));
    }

    /// <summary>Reads several pins; every pin is checked before any is read (each pin is its own request, so the values are not one sample).</summary>
    protected override void Read(Span<PinValuePair> pinValuePairs)
    {
        foreach (var pair in pinValuePairs)
        {
            _ = OpenState(pair.PinNumber);
        }

        for (var i = 0; i < pinValuePairs.Length; i++)
        {
            pinValuePairs[i] = new PinValuePair(pinValuePairs[i].PinNumber, Read(pinValuePairs[i].PinNumber));
        }
    }

    /// <summary>Writes several pins; every pin is checked to be an open output before any is written.</summary>
    protected override void Write(ReadOnlySpan<PinValuePair> pinValuePairs)
    {
        foreach (var pair in pinValuePairs)
        {
            if (OpenState(pair.PinNumber) is { Request: not null, Mode: not PinMode.Output } state)
            {
                throw new InvalidOperationException($"Pin {pair.PinNumber} is an input ({state.Mode}); set it to PinMode.Output before writing.");
            }
        }

        foreach (var pair in pinValuePairs)
        {
            Write(pair.PinNumber, pair.PinValue);
        }
    }

    private static Lines.PinValue ToLines(PinValue value) => value == PinValue.High ? Lines.PinValue.High : Lines.PinValue.Low;

    private static bool IsSupported(PinMode mode) => mode is PinMode.Input or PinMode.Output or PinMode.InputPullUp or PinMode.InputPullDown;

    private void SetMode(int pinNumber, PinMode mode, PinValue? initialValue)
    {
        if (mode != PinMode.Output)
        {
            initialValue = null; // GpioController passes the last written value with every mode change
        }

        using (_gate.EnterScope())
        {
            var state = OpenState(pinNumber);
            if (!IsSupported(mode))
            {
                throw new InvalidOperationException($"Pin {pinNumber} does not support mode {mode}; {nameof(DpcPiGpioDriver)} supports Input, InputPullUp, InputPullDown and Output.");
            }

            if (mode == PinMode.Output && state.HasListeners)
            {
                throw new InvalidOperationException($"Pin {pinNumber} has value-changed callbacks or a wait in progress; remove them before making it an output.");
            }

            if (state.Request is not null && state.Mode == mode && initialValue is null)
            {
                return;
            }

            var settings = SettingsFor(state, mode, initialValue ?? PinValue.Low);
            var slot = _slots[pinNumber]!;
            if (state.Request is null)
            {
                RequestLine(slot, state, settings);
            }
            else
            {
                slot.Reconfigure(state, settings);
            }

            state.Mode = mode;
        }
    }

    /// <summary>The line settings for a mode. Input leaves the bias as it is, unless the pin is pulled now: then it switches the pull off.</summary>
    private static Lines.GpioLineSettings SettingsFor(PinState state, PinMode mode, PinValue initialValue)
    {
        var edges = state.WantedEdges;
        return mode switch
        {
            PinMode.Output => Lines.GpioLineSettings.Output(ToLines(initialValue)),
            PinMode.InputPullUp => Lines.GpioLineSettings.Input(edges, Lines.GpioBias.PullUp),
            PinMode.InputPullDown => Lines.GpioLineSettings.Input(edges, Lines.GpioBias.PullDown),
            _ => Lines.GpioLineSettings.Input(
                edges,
                state.Mode is PinMode.InputPullUp or PinMode.InputPullDown ? Lines.GpioBias.Disabled : state.Request?.GetSettings(state.Offset).Bias ?? Lines.GpioBias.AsIs),
        };
    }

    /// <summary>The first use of a pin that was an output when opened: Write requests it as an output with that value, Read as an input.</summary>
    private Lines.GpioLineRequest RequestDeferred(int pinNumber, PinValue? value)
    {
        using (_gate.EnterScope())
        {
            var state = OpenState(pinNumber);
            if (state.Request is null)
            {
                RequestLine(_slots[pinNumber]!, state, value is { } v ? Lines.GpioLineSettings.Output(ToLines(v)) : Lines.GpioLineSettings.Input());
                state.Mode = value is null ? PinMode.Input : PinMode.Output;
            }

            return state.Request!;
        }
    }
}
