namespace DpcPi.Gpio;

/// <summary>One pin of a part kind: its name in wiring files ("echo", "1"), its label on the drawing and its electrical role.</summary>
public sealed record WiringPartPin(string Name, string Label, WiringPinRole Role);
