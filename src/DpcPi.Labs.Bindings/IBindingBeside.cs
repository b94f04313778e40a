using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Bindings;

/// <summary>
/// An Iot.Device.Bindings device run beside DpcPi on the same lines and the same edges: one
/// <see cref="System.Device.Gpio.GpioController"/> over DpcPi's driver carries both the binding's callbacks and
/// DpcPi's kernel-stamped ones, so the student compares what each made of one signal.
/// </summary>
public interface IBindingBeside
{
    /// <summary>The lab it belongs to (wiring/&lt;Lab&gt;/).</summary>
    string Lab { get; }

    /// <summary>The binding's type, as a .NET IoT user knows it.</summary>
    string Binding { get; }

    /// <summary>On the fake chip in real time: a signal of known content, played on a thread of its own.</summary>
    LabResult RunFake(bool realtime, CancellationToken cancellationToken);

    /// <summary>On real pins (the lab's wiring): the student makes the signal.</summary>
    LabResult RunGpio(BesideRig rig, LabPins pins, GpioLabRun run);
}

/// <summary>The labs that have a binding to run beside them.</summary>
public static class BesideCatalog
{
    public static IReadOnlyList<IBindingBeside> All { get; } = [new EncoderBeside(), new ButtonBeside(), new UltrasonicBeside()];

    public static IBindingBeside? Find(string lab) => All.FirstOrDefault(b => b.Lab == lab);
}
