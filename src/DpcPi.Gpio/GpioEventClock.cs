namespace DpcPi.Gpio;

/// <summary>The clock of edge event timestamps.</summary>
public enum GpioEventClock
{
    /// <summary>CLOCK_MONOTONIC (kernel default): comparable with <see cref="DpcPi.Platform.MonotonicClock.NowNs"/>.</summary>
    Monotonic = 0,

    /// <summary>CLOCK_REALTIME.</summary>
    Realtime = 1,

    /// <summary>Hardware timestamp engine (needs CONFIG_HTE and a supporting controller; not on Raspberry Pi).</summary>
    Hte = 2,
}
