using DpcPi.Platform;

namespace DpcPi.Gpio;

/// <summary>Error sentences shared by the backends.</summary>
internal static class GpioErrors
{
    public static GpioException ChipNotFound(string chip, IReadOnlyList<GpioChipInfo> chips, string where) => new(
        chips.Count == 0
            ? $"GPIO chip \"{chip}\" does not exist: there are no GPIO chips in {where} (not a Raspberry Pi, or gpio-sim not configured)."
            : $"GPIO chip \"{chip}\" does not exist; the chips are {string.Join(", ", chips)}.",
        Errnos.ENOENT);

    public static GpioException LineOutOfRange(GpioChipInfo chip, int offset) => new(
        $"{chip.Name} [{chip.Label}] has no line {offset}; valid offsets are 0..{chip.LineCount - 1}.",
        Errnos.EINVAL);

    public static GpioException Busy(GpioChipInfo chip, int offset, string lineName, string consumer)
    {
        var name = lineName.Length > 0 ? $" ({lineName})" : string.Empty;
        var who = consumer.Length > 0 ? $"consumer \"{consumer}\" holds it" : "another user holds it without a consumer label";
        return new GpioException($"Line {offset}{name} on {chip.Name} is busy: {who}; stop that program or choose another line.", Errnos.EBUSY);
    }
}
