namespace DpcPi.Gpio;

/// <summary>A GPIO chip: its device name (gpiochip0), path, label (pinctrl-bcm2711) and line count.</summary>
public sealed record GpioChipInfo(string Name, string Path, string Label, int LineCount)
{
    public override string ToString() => $"{Name} [{Label}] ({LineCount} lines)";
}
