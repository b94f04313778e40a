namespace DpcPi.Gpio;

/// <summary>Output drive.</summary>
public enum GpioDrive
{
    PushPull = 0,
    OpenDrain = 1,
    OpenSource = 2,
}
