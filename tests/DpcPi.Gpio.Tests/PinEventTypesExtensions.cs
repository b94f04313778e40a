namespace DpcPi.Gpio.Tests;

internal static class PinEventTypesExtensions
{
    extension(PinEventTypes)
    {
        public static PinEventTypes Both() => PinEventTypes.Rising | PinEventTypes.Falling;
    }
}
