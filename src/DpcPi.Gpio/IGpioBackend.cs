namespace DpcPi.Gpio;

/// <summary>
/// A source of GPIO chips and line requests: the Linux character device (<see cref="LinuxGpioBackend"/>)
/// or the deterministic simulation (<see cref="FakeGpioBackend"/>). A chip is named by device name
/// (gpiochip0), path (/dev/gpiochip0) or label (pinctrl-bcm2711).
/// </summary>
public interface IGpioBackend
{
    IReadOnlyList<GpioChipInfo> GetChips();

    /// <summary>The chip named <paramref name="chip"/>; throws <see cref="GpioException"/> (ENOENT) naming the chips that exist.</summary>
    GpioChipInfo GetChip(string chip);

    GpioLineInfo GetLineInfo(string chip, int offset);

    IReadOnlyList<GpioLineInfo> GetLines(string chip);

    /// <summary>Requests lines. Invalid settings throw <see cref="ArgumentException"/> before the device is touched; the kernel's refusals throw <see cref="GpioException"/>.</summary>
    GpioLineRequest RequestLines(string chip, GpioLineRequestOptions options);
}
