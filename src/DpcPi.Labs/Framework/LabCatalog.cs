using DpcPi.Labs.Button;
using DpcPi.Labs.ClockTick;
using DpcPi.Labs.Dropout;
using DpcPi.Labs.Encoder;
using DpcPi.Labs.Loopback;
using DpcPi.Labs.TimerJitter;
using DpcPi.Labs.Ultrasonic;

namespace DpcPi.Labs.Framework;

/// <summary>Every lab, in the order `dpcpi lab list` shows them.</summary>
public static class LabCatalog
{
    public static IReadOnlyList<ILab> All { get; } =
    [
        new LoopbackLab(),
        new ButtonLab(),
        new EncoderLab(),
        new UltrasonicLab(),
        new DropoutLab(),
        new ClockTickLab(),
        new TimerJitterLab(),
    ];

    public static ILab? Find(string name) => All.FirstOrDefault(l => l.Name == name);
}
