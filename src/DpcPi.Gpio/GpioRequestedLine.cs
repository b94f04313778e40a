namespace DpcPi.Gpio;

/// <summary>One line of a request: its offset on the chip and how to configure it.</summary>
public sealed record GpioRequestedLine(int Offset, GpioLineSettings Settings);
